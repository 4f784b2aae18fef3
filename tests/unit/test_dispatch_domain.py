"""Pure dispatch rules: statuses, pay, coverage gaps, term figures, transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.assignments import (
    Assignment,
    LineCoverage,
    Pay,
    Window,
    assignment_status,
    check_start,
)
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ledger import LedgerEntry, premium_by_line, total_cents
from chalicelib.domain.parties import Address, Requirements
from chalicelib.domain.policies import Policy, PolicyLine, coverage_gap
from chalicelib.reference_data import load_reference_data
from chalicelib.services.policies import term_figures

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("statuses", "bind", "expected"),
    [
        (["bound", "bound"], True, "bound"),
        (["bound", "uncovered"], True, "partial"),
        (["referred", "uncovered"], True, "referred"),
        (["uncovered", "uncovered"], True, "uncovered"),
        (["quoted", "quoted"], False, "quoted"),
    ],
)
def test_assignment_status_from_lines(statuses, bind, expected):
    assert assignment_status(statuses, bind) == expected


def test_hourly_pay_is_rate_times_hours_rounded_half_up():
    pay = Pay(amount_cents=3333, basis="hourly", estimated_hours=Decimal("1.5"))
    assert pay.job_pay_cents() == 5000  # 3333 x 1.5 = 4999.5 -> 5000
    assert pay.hourly_wage_cents() == 3333


def test_flat_pay_wage_is_known_only_with_hours():
    assert Pay(amount_cents=40_000, basis="flat").hourly_wage_cents() is None
    with_hours = Pay(amount_cents=40_000, basis="flat", estimated_hours=Decimal(8))
    assert with_hours.hourly_wage_cents() == 5000


def policy(status="active", states=("NJ", "PA"), cancellation=None) -> Policy:
    line = PolicyLine(
        program="multistate-wc",
        carrier={"name": "Pie"},
        states=list(states),
        trades=["hvac"],
        per_dispatch=True,
        quoted_state="NJ",
    )
    return Policy(
        id="pol_1",
        number="JC-2026-1",
        platform="plt_1",
        contractor="ctr_1",
        quote="qte_1",
        trade="hvac",
        lines={"wc": line},
        status=status,
        effective_date=date(2026, 11, 1),
        expiration_date=date(2027, 11, 1),
        cancellation=cancellation,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("kwargs", "work", "code"),
    [
        ({}, ("wc", "NJ", "hvac", date(2026, 12, 1), date(2026, 12, 1)), None),
        ({}, ("gl", "NJ", "hvac", date(2026, 12, 1), date(2026, 12, 1)), "line_not_on_policy"),
        ({}, ("wc", "TX", "hvac", date(2026, 12, 1), date(2026, 12, 1)), "state_not_written"),
        ({}, ("wc", "NJ", "roofing", date(2026, 12, 1), date(2026, 12, 1)), "trade_not_written"),
        (
            {"status": "pending_payment"},
            ("wc", "NJ", "hvac", date(2026, 12, 1), date(2026, 12, 1)),
            "policy_pending_payment",
        ),
        (
            {"status": "cancelled"},
            ("wc", "NJ", "hvac", date(2026, 12, 1), date(2026, 12, 1)),
            "no_active_policy",
        ),
        ({}, ("wc", "NJ", "hvac", date(2026, 10, 31), date(2026, 11, 2)), "outside_policy_term"),
        ({}, ("wc", "NJ", "hvac", date(2027, 10, 31), date(2027, 11, 1)), "outside_policy_term"),
        (
            {
                "status": "cancellation_pending",
                "cancellation": {
                    "reason": "insured_request",
                    "effective_date": "2026-12-15",
                    "method": "short_rate",
                    "earned_cents": 0,
                    "return_premium_cents": 0,
                    "status": "scheduled",
                    "requested_by": "platform",
                    "requested_at": "2026-11-25T15:00:00Z",
                },
            },
            ("wc", "NJ", "hvac", date(2026, 12, 20), date(2026, 12, 20)),
            "outside_policy_term",
        ),
    ],
)
def test_coverage_gap(kwargs, work, code):
    gap = coverage_gap(policy(**kwargs), *work)
    assert (gap.code if gap else None) == code


def test_a_state_the_program_never_writes_beats_a_pending_payment():
    gap = coverage_gap(
        policy(status="pending_payment"), "wc", "TX", "hvac", date(2026, 12, 1), date(2026, 12, 1)
    )
    assert gap is not None
    assert gap.code == "state_not_written"


def assignment(status: str, bound: bool, end: datetime) -> Assignment:
    line = LineCoverage(status="bound" if bound else "uncovered", state="NJ")
    return Assignment(
        id="asg_1",
        platform="plt_1",
        external_id="x",
        contractor="ctr_1",
        trade="hvac",
        work_address=Address(line1="1", city="c", state="NJ", postal_code="07102"),
        window=Window(start=end - timedelta(hours=2), end=end),
        pay=Pay(amount_cents=1, basis="flat"),
        lines=["wc"],
        requirements=Requirements(),
        bind=True,
        status=status,
        coverage={"wc": line},
        premium_cents=0,
        created_at=NOW,
        updated_at=NOW,
    )


def test_start_rules():
    end = NOW + timedelta(hours=5)
    check_start(assignment("bound", True, end), NOW)  # before the window opens is fine
    with pytest.raises(Conflict) as closed:
        check_start(assignment("bound", True, end), end + timedelta(seconds=1))
    assert closed.value.code == "window_closed"
    with pytest.raises(Conflict) as nothing:
        check_start(assignment("uncovered", False, end), NOW)
    assert nothing.value.code == "nothing_bound"
    with pytest.raises(Conflict) as twice:
        check_start(assignment("active", True, end), NOW)
    assert twice.value.code == "invalid_transition"


def test_term_figures_for_an_annual_line_with_down_payment():
    reference = load_reference_data()
    line = PolicyLine(
        program="california-wc",
        carrier={"name": "ICW"},
        states=["CA"],
        trades=["plumbing"],
        per_dispatch=False,
        quoted_state="CA",
        estimated_annual_premium_cents=6_000_000,
        policy_charges_cents=0,
    )
    per_dispatch = PolicyLine(
        program="contractors-gl",
        carrier={"name": "GL"},
        states=["CA"],
        trades=["plumbing"],
        per_dispatch=True,
        quoted_state="CA",
    )
    figures = term_figures({"wc": line, "gl": per_dispatch}, reference, date(2026, 11, 25))
    pct = reference.program("california-wc").term.down_payment.pct  # type: ignore[union-attr]
    assert figures.written_premium_cents == 6_000_000
    assert figures.down_payment_cents == int(6_000_000 * pct)
    # 5 business days after Wed 2026-11-25: Thanksgiving (Thu 26) is a holiday -> Thu Dec 3.
    assert figures.down_payment_due_by == date(2026, 12, 3)


@given(
    st.lists(st.tuples(st.sampled_from(["wc", "gl"]), st.integers(-(10**9), 10**9)), max_size=30)
)
def test_ledger_totals_are_exact_sums(rows):
    entries = [
        LedgerEntry(
            id=f"led_{i}",
            platform="p",
            type="premium_adjustment",
            amount_cents=amount,
            contractor="c",
            line=line,
            at=NOW,
            memo="",
        )
        for i, (line, amount) in enumerate(rows)
    ]
    by_line = premium_by_line(entries)
    assert total_cents(entries) == sum(amount for _, amount in rows) == sum(by_line.values())
