"""Fetch-or-404, the one way every service resolves an ID from a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.errors import NotFound
from chalicelib.domain.ids import is_id_of

T = TypeVar("T")


def fetch(kind: str, prefix: str, record_id: str, load: Callable[[], T | None]) -> T:
    """The record, or NotFound; a malformed ID is simply unknown (no read is spent on it)."""
    found = load() if is_id_of(record_id, prefix) else None
    if found is None:
        raise NotFound(f"No {kind} {record_id}.")
    return found
