"""The real clock and ID generator."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from chalicelib.domain.ids import make_id


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    """Time-sortable IDs from the system clock and the OS's randomness."""

    def __init__(self, clock: SystemClock) -> None:
        self._clock = clock

    def new(self, prefix: str) -> str:
        unix_ms = int(self._clock.now().timestamp() * 1000)
        return make_id(prefix, unix_ms=unix_ms, entropy=os.urandom(10))
