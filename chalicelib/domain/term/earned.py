"""Earned and return premium when a term ends early (rating-facts.md § Cancellation).

Every formula works on one line's written premium in integer cents:

    pro rata:    earned = round_half_up(written x days_in_force / term_days)
                 California: return = ceil_to_dollar(written x days_left / term_days) (at most
                 written), earned = written - return ("rounded to the next higher whole dollar")
    short rate:  earned = round_half_up(written x short_rate_pct(days) / 100), where the one-year
                 table is read at the term's elapsed fraction: days = round_half_up(days_in_force
                 x table_days / term_days)
    flat:        earned = 0 (cancelled on or before inception)
    return = written - earned
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from chalicelib.domain.term.rules import ShortRateTable

Method = Literal["pro_rata", "short_rate", "flat"]
Rounding = Literal["next_whole_dollar", "cent"]


@dataclass(frozen=True)
class Earned:
    """One line's split of its written premium at cancellation."""

    written_cents: int
    earned_cents: int

    @property
    def return_cents(self) -> int:
        return self.written_cents - self.earned_cents


def days_in_force(term_start: date, term_end: date, cancel_on: date) -> int:
    """Whole days from inception to the cancellation date, within the term (0..term days)."""
    return max(0, min((cancel_on - term_start).days, (term_end - term_start).days))


def _half_up(value: Fraction) -> int:
    return int(
        (Decimal(value.numerator) / Decimal(value.denominator)).to_integral_value(ROUND_HALF_UP)
    )


def pro_rata(written_cents: int, days: int, term_days: int, rounding: Rounding) -> Earned:
    """earned = written x days / term_days; California rounds the return up to a whole dollar."""
    if rounding == "next_whole_dollar":
        unearned = Fraction(written_cents * (term_days - days), term_days)
        dollars = (Decimal(unearned.numerator) / Decimal(unearned.denominator) / 100).quantize(
            Decimal(1), rounding=ROUND_CEILING
        )
        returned = min(written_cents, int(dollars) * 100)
        return Earned(written_cents, written_cents - returned)
    return Earned(written_cents, _half_up(Fraction(written_cents * days, term_days)))


def short_rate_day(days: int, term_days: int, table: ShortRateTable) -> int:
    """The one-year table's day for `days` of a `term_days` term (the same elapsed fraction)."""
    if term_days == table.term_days:
        return days
    return _half_up(Fraction(days * table.term_days, term_days))


def short_rate(written_cents: int, days: int, term_days: int, table: ShortRateTable) -> Earned:
    """earned = written x table pct at the elapsed fraction of the term (insured's request)."""
    pct = table.pct_for_day(short_rate_day(days, term_days, table))
    earned = _half_up(Fraction(written_cents) * Fraction(pct) / 100)
    return Earned(written_cents, min(written_cents, earned))


def flat(written_cents: int) -> Earned:
    """Cancelled on or before inception: nothing earned, everything returned."""
    return Earned(written_cents, 0)
