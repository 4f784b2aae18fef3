"""Time helpers over an injected instant: the domain never reads the clock itself."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_today(now: datetime) -> date:
    """ "Today" is today's UTC date (API.md "Conventions")."""
    return now.astimezone(UTC).date()


def rfc3339(instant: datetime) -> str:
    """An instant as RFC 3339 with an offset, second precision, in UTC."""
    return instant.astimezone(UTC).isoformat(timespec="seconds")
