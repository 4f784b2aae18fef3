"""Memos for pure results over reference data, which is loaded once per process and never changed.

`identity_memo` wraps a pure function of an immutable reference object (a program's EL levels, an
endorsement's terms) and a small hashable argument, keying its results by the object's identity:
no hashing of the object's contents. Each entry holds its object, so the id cannot be reused by
another object while cached. Bounded: past `size` entries, results are computed and not kept (the
inputs seen in practice are a handful per program).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import update_wrapper
from typing import Generic, TypeVar

Obj = TypeVar("Obj")
Arg = TypeVar("Arg", bound=Hashable)
Result = TypeVar("Result")


class IdentityMemo(Generic[Obj, Arg, Result]):
    def __init__(self, compute: Callable[[Obj, Arg], Result], size: int = 1024) -> None:
        update_wrapper(self, compute)
        self._compute = compute
        self._size = size
        self._entries: dict[tuple[int, Arg], tuple[Obj, Result]] = {}

    def __call__(self, obj: Obj, arg: Arg) -> Result:
        key = (id(obj), arg)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is obj:
            return entry[1]
        result = self._compute(obj, arg)
        if len(self._entries) < self._size:
            self._entries[key] = (obj, result)
        return result


def identity_memo(compute: Callable[[Obj, Arg], Result]) -> IdentityMemo[Obj, Arg, Result]:
    """Decorator: memoise `compute(obj, arg)` by the identity of `obj` and the value of `arg`."""
    return IdentityMemo(compute)
