"""Memos for pure results over reference data, which is loaded once per process and never changed.

`IdentityMemo` keys a result by the identity of an immutable reference object (a program's EL
levels, an endorsement's terms) and a small hashable argument. Each entry holds its object, so the
id cannot be reused by another object while cached. Bounded: past `size` entries, results are
computed and not kept (the inputs seen in practice are a handful per program).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

Obj = TypeVar("Obj")
Arg = TypeVar("Arg", bound=Hashable)
Result = TypeVar("Result")


class IdentityMemo(Generic[Obj, Arg, Result]):
    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: dict[tuple[int, Arg], tuple[Obj, Result]] = {}

    def get(self, obj: Obj, arg: Arg) -> Result | None:
        """The result kept for this very object and argument, or None."""
        entry = self._entries.get((id(obj), arg))
        return entry[1] if entry is not None and entry[0] is obj else None

    def keep(self, obj: Obj, arg: Arg, result: Result) -> Result:
        """Keep the result (while there is room) and return it."""
        if len(self._entries) < self._size:
            self._entries[(id(obj), arg)] = (obj, result)
        return result
