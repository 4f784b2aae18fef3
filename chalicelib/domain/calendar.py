"""Business days: weekdays that are not US federal holidays (the `holidays` package's calendar)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _us_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_business_day(day: date) -> bool:
    """Monday to Friday, and not a US federal holiday."""
    return day.weekday() < 5 and day not in _us_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (start itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current
