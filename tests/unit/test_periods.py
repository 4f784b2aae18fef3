"""Date ranges for reads by date, and the listing keys items carry for them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.adapters.dynamodb.listing_keys import month_partition
from chalicelib.adapters.dynamodb.listings import _high, _low
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.domain.periods import DateRange


def test_months_run_newest_first_across_a_year_end():
    days = DateRange(date(2026, 11, 20), date(2027, 2, 3))
    assert list(days.months_newest_first()) == [
        date(2027, 2, 1),
        date(2027, 1, 1),
        date(2026, 12, 1),
        date(2026, 11, 1),
    ]
    assert days.days == 76


def test_one_side_alone_reaches_the_default_span():
    assert DateRange.of(date(2026, 3, 1), None, default_days=30) == DateRange(
        date(2026, 3, 1), date(2026, 3, 30)
    )
    assert DateRange.of(None, date(2026, 3, 30), default_days=30) == DateRange(
        date(2026, 3, 1), date(2026, 3, 30)
    )
    with pytest.raises(ValueError, match="first or a last"):
        DateRange.of(None, None, default_days=30)


@given(
    first=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    span=st.integers(0, 365),
    at=st.datetimes(datetime(1999, 1, 1), datetime(2102, 1, 1), timezones=st.just(UTC)),
)
def test_an_instant_is_in_the_key_range_exactly_when_its_utc_day_is(first, span, at):
    days = DateRange(first, first + timedelta(days=span))
    key = f"{instant_key(at)}#asg_x"
    inside = days.first <= at.date() <= days.last
    assert (_low(days) <= key <= _high(days)) == inside
    if inside:
        months = [month_partition("plt_x", "ASG", m) for m in days.months_newest_first()]
        assert month_partition("plt_x", "ASG", at.date()) in months


def test_each_day_lists_every_day_once():
    days = DateRange(date(2028, 2, 27), date(2028, 3, 1))
    assert [d.isoformat() for d in days.each_day()] == [
        "2028-02-27",
        "2028-02-28",
        "2028-02-29",
        "2028-03-01",
    ]
