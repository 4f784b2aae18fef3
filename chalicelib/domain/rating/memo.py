"""Memos for pure results over reference data, which is loaded once per process and never changed.

`identity_memo` wraps a pure function of an immutable reference object (a program's EL levels, an
endorsement's terms) and a small hashable argument, keying its results by the object's identity:
no hashing of the object's contents. Each entry holds its object, so the id cannot be reused by
another object while cached. Bounded: past `size` entries, results are computed and not kept (the
inputs seen in practice are a handful per program).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from typing import TypeVar

Obj = TypeVar("Obj")
Arg = TypeVar("Arg", bound=Hashable)
Result = TypeVar("Result")

MEMO_SIZE = 1024


def identity_memo(compute: Callable[[Obj, Arg], Result]) -> Callable[[Obj, Arg], Result]:
    """Decorator: memoise `compute(obj, arg)` by the identity of `obj` and the value of `arg`."""
    entries: dict[tuple[int, Arg], tuple[Obj, Result]] = {}

    # A closure, not a class with __call__: this sits on the rating hot path, called per line.
    @wraps(compute)
    def memoised(obj: Obj, arg: Arg) -> Result:
        key = (id(obj), arg)
        entry = entries.get(key)
        if entry is not None and entry[0] is obj:
            return entry[1]
        result = compute(obj, arg)
        if len(entries) < MEMO_SIZE:
            entries[key] = (obj, result)
        return result

    return memoised
