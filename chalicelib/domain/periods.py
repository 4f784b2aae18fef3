"""Calendar date ranges (inclusive UTC dates) for reads by date: lists and summaries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

# The longest range one read covers: a year, leap day included.
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class DateRange:
    """From `first` to `last`, both included."""

    first: date
    last: date

    @classmethod
    def of(cls, first: date | None, last: date | None, *, default_days: int) -> DateRange:
        """A range from what a client gave: one side alone reaches `default_days` from it."""
        span = timedelta(days=default_days - 1)
        if first is None and last is None:
            raise ValueError("a range needs a first or a last day")
        if first is None:
            assert last is not None
            return cls(last - span, last)
        return cls(first, last if last is not None else first + span)

    @property
    def days(self) -> int:
        """How many calendar days the range covers."""
        return (self.last - self.first).days + 1

    def each_day(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def months_newest_first(self) -> Iterator[date]:
        """The first day of each month the range touches, the latest month first."""
        month = self.last.replace(day=1)
        while month >= self.first.replace(day=1):
            yield month
            month = (month - timedelta(days=1)).replace(day=1)
