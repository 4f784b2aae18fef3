"""How a patch is applied: `setattr` for the life of a process, `monkeypatch.setattr` in a test."""

from __future__ import annotations

from typing import Any, Protocol


class SetAttr(Protocol):
    """`setattr`, or pytest's `monkeypatch.setattr` (undone after the test)."""

    def __call__(self, target: Any, name: str, value: Any, /) -> None: ...
