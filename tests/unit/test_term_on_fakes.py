"""The policy term on in-memory fakes: cancel (short rate, pro rata, flat, notices, the jobs
cancelled with it), reinstate under each program's rules. No moto here."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.ledger import total_cents
from chalicelib.domain.parties import Principal
from chalicelib.domain.policies import Policy
from chalicelib.domain.roles import Role
from chalicelib.services.term import change_items
from tests.fakes import FakeApp
from tests.inputs import quote_input
from tests.unit.test_services_on_fakes import (
    PLATFORM,
    UNDERWRITER,
    assert_books_balance,
    contractor,
    customer,
    job,
    opted_in,
)

INSURED = Principal(key_id="key_platform", role=Role.PLATFORM, platform=PLATFORM)
ADMIN = Principal(key_id="admin", role=Role.ADMIN)


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


def policy_of(app: FakeApp, contractor_id: str) -> Policy:
    return next(p for p in app.store.of_kind("policy") if p.contractor == contractor_id)


def california_policy(app: FakeApp, *, lead_days: int = 21, pay_down: bool = True) -> Policy:
    """An annual California WC policy (approved by the underwriter), down payment paid."""
    contractor_id = contractor(
        app,
        entity_type="corporation",
        tin_type="fein",
        has_employees=True,
        employee_count=40,
        years_in_business=Decimal("12"),
        address={"line1": "1 Market", "city": "Fresno", "state": "CA", "postal_code": "93721"},
    )
    quoted = app.quotes.create_quote(
        PLATFORM,
        quote_input(
            contractor_id,
            trade="plumbing",
            work_state="CA",
            lines=("wc",),
            effective_date=app.clock.now().date() + timedelta(days=lead_days),
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        ),
    )
    assert quoted.lines["wc"].program == "california-wc"
    if quoted.referral:
        app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER)
    policy = app.policies.create_policy(PLATFORM, quoted.id)
    assert policy.status == "pending_payment"
    if pay_down:
        assert policy.down_payment_due_cents is not None
        app.policies.pay(PLATFORM, policy.id, policy.down_payment_due_cents, "chk-1")
    return app.policies.get_policy(PLATFORM, policy.id)


def at(app: FakeApp, day: date, hour: int = 14) -> None:
    app.clock.current = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def ledger(app: FakeApp, policy_id: str) -> list[Any]:
    return [e for e in app.store.ledger if e.policy == policy_id]


# --- cancel ----------------------------------------------------------------------------------


def test_insured_request_is_short_rate_on_the_days_in_force(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=75))
    cancelled = app.term.cancel(INSURED, policy.id, "insured_request", None)
    c = cancelled.cancellation
    assert cancelled.status == "cancelled"
    assert (c.method, c.effective_date, c.status) == (
        "short_rate",
        app.clock.now().date(),
        "effective",
    )
    written = policy.written_premium_cents
    term_days = (policy.expiration_date - policy.effective_date).days
    assert term_days == 365
    assert c.earned_cents == round(written * Decimal("0.31"))  # 75 days: 31%
    assert c.return_premium_cents == written - c.earned_cents
    returns = [e for e in ledger(app, policy.id) if e.type == "return_premium"]
    assert [e.amount_cents for e in returns] == [-c.return_premium_cents]
    assert total_cents(ledger(app, policy.id)) == written - c.return_premium_cents
    assert cancelled.notices == []  # the insured's own request sends no notice
    assert app.store.events(policy.id)[-1] == "policy.cancelled"


def test_company_reason_is_pro_rata_rounded_up_in_california_with_a_notice(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=90))
    today = app.clock.now().date()
    with pytest.raises(Forbidden):
        app.term.cancel(INSURED, policy.id, "nonpayment", None)
    with pytest.raises(ValidationFailed) as early:
        app.term.cancel(UNDERWRITER, policy.id, "nonpayment", today + timedelta(days=9))
    assert "10 days" in early.value.message
    scheduled = app.term.cancel(UNDERWRITER, policy.id, "nonpayment", None)
    c = scheduled.cancellation
    assert scheduled.status == "cancellation_pending"
    assert (c.method, c.effective_date, c.status) == (
        "pro_rata",
        today + timedelta(days=10),
        "scheduled",
    )
    days = (c.effective_date - policy.effective_date).days
    written = policy.written_premium_cents
    unearned = Decimal(written * (365 - days)) / 365
    assert c.return_premium_cents == math.ceil(unearned / 100) * 100  # next higher whole dollar
    assert c.return_premium_cents % 100 == 0
    [notice] = scheduled.notices
    assert (notice.kind, notice.reason, notice.effective_date) == (
        "cancellation",
        "nonpayment",
        c.effective_date,
    )
    assert "Pro Rata Cancellation" in (notice.guideline or "")
    # Nothing is booked until it takes effect.
    assert [e.type for e in ledger(app, policy.id)] == ["policy_charge"]
    assert app.store.events(policy.id)[-1] == "policy.cancellation_scheduled"
    with pytest.raises(Conflict) as twice:
        app.term.cancel(UNDERWRITER, policy.id, "nonpayment", None)
    assert twice.value.code == "cancellation_pending"


def test_before_inception_is_flat(app):
    policy = california_policy(app)
    cancelled = app.term.cancel(INSURED, policy.id, "insured_request", None)
    c = cancelled.cancellation
    assert (c.method, c.earned_cents) == ("flat", 0)
    assert c.return_premium_cents == policy.written_premium_cents
    assert total_cents(ledger(app, policy.id)) == 0


def test_effective_dates_are_checked(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    today = app.clock.now().date()
    for effective in (today - timedelta(days=1), policy.expiration_date):
        with pytest.raises(ValidationFailed):
            app.term.cancel(INSURED, policy.id, "insured_request", effective)


def test_cancelling_cancels_the_jobs_starting_on_or_after_the_date(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    before = app.assignments.create(PLATFORM, job(app, contractor_id, "before", start_in_hours=24))
    started = app.assignments.create(PLATFORM, job(app, contractor_id, "started", start_in_hours=1))
    later = [
        app.assignments.create(
            PLATFORM, job(app, contractor_id, f"later-{n}", start_in_hours=24 * 5 + n)
        )
        for n in range(3)
    ]
    app.clock.advance(hours=2)
    app.assignments.start(PLATFORM, started.id, None)
    effective = app.clock.now().date() + timedelta(days=3)
    cancelled = app.term.cancel(INSURED, policy.id, "insured_request", effective)
    assert cancelled.status == "cancellation_pending"
    assert cancelled.cancellation.assignments_cancelled == 3
    for assignment in later:
        after = app.assignments.get(PLATFORM, assignment.id)
        assert after.status == "cancelled"
        assert after.premium_cents == 0
        assert_books_balance(app, assignment.id)
        assert app.store.events(assignment.id)[-1] == "assignment.cancelled"
    assert app.assignments.get(PLATFORM, before.id).status == "bound"
    assert app.assignments.get(PLATFORM, started.id).status == "active"
    # Nothing binds on or after the effective date; before it still does.
    refused = app.assignments.create(
        PLATFORM, job(app, contractor_id, "new", start_in_hours=24 * 4)
    )
    assert refused.status == "uncovered"
    assert refused.coverage["wc"].reasons[0].code == "outside_policy_term"


def test_many_jobs_are_cancelled_across_commits_and_a_repeat_finishes_the_rest(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    jobs = [
        app.assignments.create(PLATFORM, job(app, contractor_id, f"j{n}", start_in_hours=48 + n))
        for n in range(30)
    ]
    stamp = app.term._stamp()
    per_job = change_items(app.assignments.cancel_for_policy(jobs[0], policy.id, "x", stamp))
    commits = app.store.commits
    app.term.cancel(
        INSURED, policy.id, "insured_request", app.clock.now().date() + timedelta(days=1)
    )
    assert all(app.assignments.get(PLATFORM, j.id).status == "cancelled" for j in jobs)
    in_first = (100 - 1 - 3) // per_job
    assert app.store.commits - commits == 1 + (30 - in_first)
    # Running the follow-up again cancels nothing twice.
    assert app.term.cancel_upcoming(app.policies.get_policy(PLATFORM, policy.id)) == 0


# --- reinstate -------------------------------------------------------------------------------


def test_withdrawing_a_scheduled_cancellation_keeps_cancelled_jobs_cancelled(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    later = app.assignments.create(PLATFORM, job(app, contractor_id, "l1", start_in_hours=24 * 5))
    app.term.cancel(
        INSURED, policy.id, "insured_request", app.clock.now().date() + timedelta(days=2)
    )
    reinstated = app.term.reinstate(INSURED, policy.id)
    assert reinstated.status == "active"
    assert reinstated.cancellation is None
    assert app.assignments.get(PLATFORM, later.id).status == "cancelled"
    assert app.store.events(policy.id)[-2:] == [
        "policy.cancellation_scheduled",
        "policy.reinstated",
    ]
    with pytest.raises(Conflict) as again:
        app.term.reinstate(INSURED, policy.id)
    assert again.value.code == "not_cancelled"


def test_california_reserves_reinstatement_to_the_underwriter(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=40))
    app.term.cancel(INSURED, policy.id, "insured_request", None)
    with pytest.raises(Forbidden) as platform:
        app.term.reinstate(INSURED, policy.id)
    assert "Reinstatements and Rescissions" in platform.value.message
    reinstated = app.term.reinstate(UNDERWRITER, policy.id)
    assert reinstated.status == "active"
    assert total_cents(ledger(app, policy.id)) == policy.written_premium_cents
    assert reinstated.balance_due_cents == policy.balance_due_cents


def test_california_refuses_after_30_days_unless_the_company_erred(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=40))
    app.term.cancel(INSURED, policy.id, "insured_request", None)
    at(app, app.clock.now().date() + timedelta(days=30))
    assert app.term.reinstate(UNDERWRITER, policy.id).status == "active"  # day 30: allowed
    app.term.cancel(INSURED, policy.id, "insured_request", None)
    at(app, app.clock.now().date() + timedelta(days=31))
    with pytest.raises(Conflict) as late:
        app.term.reinstate(UNDERWRITER, policy.id)
    assert late.value.code == "reinstatement_refused"
    reasons = {reason["code"]: reason for reason in late.value.details}
    # Short rate at day 70 earns more than the 25% paid: the account is behind too.
    assert set(reasons) == {"reinstatement_window_passed", "account_not_current"}
    for reason in reasons.values():
        assert reason["guideline"].endswith("§ Reinstatements and Rescissions")


def test_company_error_is_reinstated_after_30_days(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=40))
    app.term.cancel(UNDERWRITER, policy.id, "company_error", None)
    at(app, app.clock.now().date() + timedelta(days=45))
    assert app.term.reinstate(UNDERWRITER, policy.id).status == "active"


def test_california_needs_the_account_current(app):
    policy = california_policy(app, pay_down=False)
    # Unpaid: rescinded later; here a nonpayment cancellation is scheduled before that.
    at(app, policy.effective_date + timedelta(days=120))
    policy = app.policies.get_policy(PLATFORM, policy.id)
    scheduled = app.term.cancel(UNDERWRITER, policy.id, "nonpayment", None)
    earned = scheduled.cancellation.earned_cents
    with pytest.raises(Conflict) as unpaid:
        app.term.reinstate(UNDERWRITER, policy.id)
    assert unpaid.value.details[0]["code"] == "account_not_current"
    app.policies.pay(PLATFORM, policy.id, earned, "catch-up")
    assert app.term.reinstate(UNDERWRITER, policy.id).status == scheduled.cancellation.prior_status


def test_three_nonpayment_notices_forbid_reinstatement(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=40))
    for _ in range(2):
        app.term.cancel(UNDERWRITER, policy.id, "nonpayment", None)
        app.term.reinstate(UNDERWRITER, policy.id)
    third = app.term.cancel(UNDERWRITER, policy.id, "nonreport_payroll", None)
    assert len(third.notices) == 3
    with pytest.raises(Conflict) as refused:
        app.term.reinstate(UNDERWRITER, policy.id)
    assert refused.value.details[0]["code"] == "too_many_cancellation_notices"


def test_an_underwriter_finds_any_platforms_policy_by_id(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    assert app.term.policy_for(UNDERWRITER, policy.id).id == policy.id
    assert app.term.policy_for(ADMIN, policy.id).platform == PLATFORM


def test_a_policy_cancellation_releases_the_waiver_its_jobs_were_under(app):
    """Two jobs for one customer share its waiver account (one item): the cancellation's
    transaction moves it for the first, the follow-up commit for the second; nothing started, so
    the floor charged at bind is returned in full and the books balance."""
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    customer_id = customer(app)
    jobs = [
        app.assignments.create(
            PLATFORM,
            job(
                app,
                contractor_id,
                f"w{n}",
                customer_id=customer_id,
                state="PA",
                start_in_hours=48 + n,
            ),
        )
        for n in range(2)
    ]
    assert all(j.coverage["wc"].waiver is not None for j in jobs)
    [account] = app.store.of_kind("waiver")
    assert account.terms[policy.id].charged_cents == 25_000
    app.term.cancel(
        INSURED, policy.id, "insured_request", app.clock.now().date() + timedelta(days=1)
    )
    assert all(app.assignments.get(PLATFORM, j.id).status == "cancelled" for j in jobs)
    [account] = app.store.of_kind("waiver")
    assert (account.terms[policy.id].jobs, account.terms[policy.id].charged_cents) == ({}, 0)
    waivers = [e for e in app.store.ledger if e.type == "waiver_charge" and e.assignment is None]
    assert sum(e.amount_cents for e in waivers) == 0
    for j in jobs:
        assert_books_balance(app, j.id)
