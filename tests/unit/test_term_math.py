"""The term's premium math and rules data: short rate, pro rata (California rounds the return up
to the next whole dollar), flat; hand-computed examples and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.term.earned import (
    days_in_force,
    flat,
    pro_rata,
    short_rate,
    short_rate_day,
)
from chalicelib.domain.term.rules import COMPANY_REASONS
from chalicelib.reference_data import load_reference_data
from chalicelib.term_rules import load_term_rules

TABLE = load_term_rules().short_rate


@pytest.mark.parametrize(
    ("day", "pct"),
    [(0, 0), (1, 5), (54, 25), (55, 26), (75, 31), (182, 60), (183, 61), (219, 69), (365, 100)],
)
def test_short_rate_table_matches_the_sourced_checkpoints(day, pct):
    # rating-facts.md: 75 days -> 31%, 182 -> 60%, 219 -> 69%, 365 -> 100%.
    assert TABLE.pct_for_day(day) == Decimal(pct)


def test_short_rate_table_is_sourced_flagged_and_never_falls():
    assert "Short rate table" in TABLE.source
    assert TABLE.verified is False
    pcts = [TABLE.pct_for_day(day) for day in range(366)]
    assert pcts == sorted(pcts)
    assert TABLE.pct_for_day(400) == 100


def test_short_rate_reads_a_short_term_at_its_elapsed_fraction():
    # Half of a 182-day term is day 182.5 -> 183 of the one-year table (61%).
    assert short_rate_day(91, 182, TABLE) == 183
    assert short_rate(100_000, 91, 182, TABLE).earned_cents == 61_000
    assert short_rate_day(75, 365, TABLE) == 75


def test_short_rate_example_from_rating_facts():
    # $10,000 written, 75 days of a 365-day term: 31% earned, $6,900 returned.
    split = short_rate(1_000_000, 75, 365, TABLE)
    assert (split.earned_cents, split.return_cents) == (310_000, 690_000)


def test_pro_rata_half_up_to_the_cent():
    # 12,345.67 x 100 / 365 = 3,382.375... -> 3,382.38 earned.
    split = pro_rata(1_234_567, 100, 365, "cent")
    assert split.earned_cents == 338_238
    assert split.return_cents == 1_234_567 - 338_238


def test_california_pro_rata_return_is_rounded_up_to_the_next_whole_dollar():
    # Unearned 12,345.67 x 265 / 365 = 8,963.29... -> $8,964.00 returned.
    split = pro_rata(1_234_567, 100, 365, "next_whole_dollar")
    assert split.return_cents == 896_400
    assert split.earned_cents == 1_234_567 - 896_400
    # A whole-dollar unearned amount stays as it is; the return never exceeds what was written.
    assert pro_rata(36_500, 65, 365, "next_whole_dollar").return_cents == 30_000
    assert pro_rata(1_050, 0, 365, "next_whole_dollar").return_cents == 1_050


def test_flat_returns_everything_and_days_stay_within_the_term():
    assert flat(5_000).return_cents == 5_000
    start, end = date(2026, 1, 1), date(2027, 1, 1)
    assert days_in_force(start, end, date(2025, 12, 1)) == 0
    assert days_in_force(start, end, date(2026, 3, 16)) == 74
    assert days_in_force(start, end, date(2028, 1, 1)) == 365


@given(
    written=st.integers(min_value=0, max_value=10**10),
    term_days=st.integers(min_value=1, max_value=366),
    data=st.data(),
)
def test_pro_rata_never_earns_more_than_short_rate(written, term_days, data):
    days = data.draw(st.integers(min_value=0, max_value=term_days))
    pro = pro_rata(written, days, term_days, "cent")
    short = short_rate(written, days, term_days, TABLE)
    assert 0 <= pro.earned_cents <= short.earned_cents <= written
    exact = Fraction(written * days, term_days)
    assert abs(pro.earned_cents - exact) <= Fraction(1, 2)


@given(
    written=st.integers(min_value=0, max_value=10**10),
    term_days=st.integers(min_value=1, max_value=366),
    data=st.data(),
)
def test_california_return_is_the_next_dollar_at_or_above_the_unearned(written, term_days, data):
    days = data.draw(st.integers(min_value=0, max_value=term_days))
    split = pro_rata(written, days, term_days, "next_whole_dollar")
    unearned = Fraction(written * (term_days - days), term_days)
    assert split.return_cents == written or split.return_cents % 100 == 0
    assert unearned <= split.return_cents <= min(written, unearned + 100)
    assert split.earned_cents + split.return_cents == written


def test_every_program_has_term_rules_with_every_company_reason():
    rules = load_term_rules()
    programs = {p.id for p in load_reference_data().programs()}
    assert programs == set(rules.programs())
    for program in programs:
        terms = rules.for_program(program)
        assert set(terms.cancellation.notice_days) == set(COMPANY_REASONS)
        assert terms.cancellation.notice_days_sample is True  # sample values stay flagged
        assert terms.renewal.decide_days_before_expiration >= 30


def test_california_rules_cite_their_guideline_sections():
    california = load_term_rules().for_program("california-wc")
    assert california.cancellation.pro_rata_return_rounding == "next_whole_dollar"
    assert california.reinstatement.roles == ("underwriter", "admin")
    assert california.reinstatement.notice_limit == 3
    assert california.reinstatement.max_days_after_cancellation == 30
    assert california.final_audit.due_days_after_expiration == 60
    assert california.final_audit.due_days_after_company_cancellation == 30
    assert california.cite(california.reinstatement.section) == (
        "reference/icw-california-wc-underwriting-guidelines.txt § Reinstatements and Rescissions"
    )
