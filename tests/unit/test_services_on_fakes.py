"""Use cases on in-memory fakes: one commit per request, events per API.md's table, no lost
decision, exactly-once on a retried request. No moto here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.assignments import AssignmentInput, Pay, Window
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ledger import total_cents
from chalicelib.domain.parties import Address, Principal
from chalicelib.domain.roles import Role
from chalicelib.request_scope import keyed_scope, write_scope
from chalicelib.services.assignments import AssignmentChanges
from tests.answers import CLEAN_ANSWERS
from tests.fakes import FakeApp
from tests.inputs import quote_input

PLATFORM = "plt_00000000000000000000000000"
UNDERWRITER = Principal(key_id="key_underwriter", role=Role.UNDERWRITER)
WORK = {
    "NJ": Address(line1="5 Elm St", city="Newark", state="NJ", postal_code="07102"),
    "PA": Address(line1="5 Elm St", city="Philadelphia", state="PA", postal_code="19103"),
}


def contractor(app: FakeApp, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "external_id": None,
        "legal_name": "Dana Reyes",
        "entity_type": "sole_proprietor",
        "tin_type": "ssn",
        "has_employees": False,
        "email": "dana@example.com",
        "address": {"line1": "1 Main St", "city": "Newark", "state": "NJ", "postal_code": "07102"},
        "years_in_business": Decimal("6"),
        "experience_mod": Decimal("1.00"),
        "prior_coverage": {"status": "current"},
        **overrides,
    }
    tin = "12-3456789" if fields["tin_type"] == "fein" else "123-45-6789"
    return app.parties.create_contractor(PLATFORM, fields, tin).id


def customer(app: FakeApp) -> str:
    return app.parties.create_customer(
        PLATFORM,
        {
            "name": "Harbor Property Management",
            "address": {
                "line1": "9 Pier",
                "city": "Hoboken",
                "state": "NJ",
                "postal_code": "07030",
            },
            "requirements": {"additional_insured": True, "waiver_of_subrogation": True},
        },
    ).id


def quote(app: FakeApp, contractor_id: str, effective: date) -> Any:
    return app.quotes.create_quote(
        PLATFORM,
        quote_input(
            contractor_id,
            trade="hvac",
            work_state="NJ",
            lines=("wc", "gl"),
            effective_date=effective,
            operations=CLEAN_ANSWERS,
        ),
    )


def opted_in(app: FakeApp, *, backdated: bool = False) -> str:
    """A contractor with an active NJ policy (started 5 days ago when `backdated`)."""
    contractor_id = contractor(app)
    today = app.clock.now().date()
    quoted = quote(app, contractor_id, today - timedelta(days=5) if backdated else today)
    if quoted.referral:
        app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER)
    policy = app.policies.create_policy(PLATFORM, quoted.id)
    assert policy.status == "active"
    return contractor_id


def job(
    app: FakeApp,
    contractor_id: str,
    external_id: str,
    *,
    customer_id: str | None = None,
    start_in_hours: float = 24,
    bind: bool = True,
    state: str = "NJ",
) -> AssignmentInput:
    start = app.clock.now() + timedelta(hours=start_in_hours)
    return AssignmentInput(
        external_id=external_id,
        contractor=contractor_id,
        customer=customer_id,
        trade="hvac",
        description=None,
        work_address=WORK[state],
        window=Window(start=start, end=start + timedelta(hours=72 if start_in_hours < 0 else 4)),
        pay=Pay(amount_cents=40_000, basis="flat"),
        lines=("wc", "gl"),
        requirements=None,
        bind=bind,
    )


def assert_books_balance(app: FakeApp, assignment_id: str) -> None:
    entries = [e for e in app.store.ledger if e.assignment == assignment_id]
    assert total_cents(entries) == app.assignments.get(PLATFORM, assignment_id).premium_cents


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


def test_quote_and_opt_in_record_their_events(app: FakeApp) -> None:
    contractor_id = contractor(app)
    quoted = quote(app, contractor_id, app.clock.now().date())
    policy = app.policies.create_policy(PLATFORM, quoted.id)
    assert app.store.events(quoted.id) == []
    assert app.store.events(policy.id) == ["policy.activated"]


def test_backdated_quote_is_referred_and_says_so(app: FakeApp) -> None:
    quoted = quote(app, contractor(app), app.clock.now().date() - timedelta(days=5))
    assert quoted.referral is not None
    assert app.store.events(quoted.id) == ["quote.referred"]
    app.referrals.decide(quoted.referral, "approve", None, UNDERWRITER)
    assert app.store.events(quoted.referral) == ["referral.approved"]
    assert app.quotes.get_quote(PLATFORM, quoted.id).referral_status == "approved"


def test_dispatch_lifecycle_events_and_ledger(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    created = app.assignments.create(PLATFORM, job(app, contractor_id, "j1"))
    assert created.status == "bound"
    assert_books_balance(app, created.id)
    changed = app.assignments.update(
        PLATFORM, created.id, AssignmentChanges(pay=Pay(amount_cents=50_000, basis="flat"))
    )
    assert changed.premium_cents > created.premium_cents
    app.clock.advance(hours=25)
    app.assignments.start(PLATFORM, created.id, None)
    app.clock.advance(hours=3)
    done = app.assignments.complete(PLATFORM, created.id, 45_000, None, None)
    assert done.status == "completed"
    assert_books_balance(app, created.id)
    assert app.store.events(created.id) == [
        "assignment.bound",
        "assignment.updated",
        "assignment.started",
        "assignment.completed",
    ]


def test_quoted_dispatch_announces_nothing_until_bound(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    quoted = app.assignments.create(PLATFORM, job(app, contractor_id, "q1", bind=False))
    assert quoted.status == "quoted"
    assert app.store.events(quoted.id) == []
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "q1"))
    assert (bound.id, bound.status) == (quoted.id, "bound")
    assert app.store.events(quoted.id) == ["assignment.bound"]


def waiver_account(app: FakeApp) -> Any:
    [account] = app.store.of_kind("waiver")
    return account


def waiver_entries(app: FakeApp) -> list[Any]:
    return [e for e in app.store.ledger if e.type == "waiver_charge" and e.assignment is None]


def test_cancel_refunds_releases_the_waiver_and_announces(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    customer_id = customer(app)
    first = app.assignments.create(
        PLATFORM, job(app, contractor_id, "w1", customer_id=customer_id, state="PA")
    )
    wc = first.coverage["wc"]
    assert wc.waiver is not None
    assert (wc.waiver.scope, wc.waiver.charge_cents) == ("per_customer_per_term", 25_000)
    [term] = waiver_account(app).terms.values()
    assert (list(term.jobs), term.charged_cents) == ([first.id], 25_000)
    cancelled = app.assignments.cancel(PLATFORM, first.id, "client_request")
    assert cancelled.premium_cents == 0
    [term] = waiver_account(app).terms.values()
    assert (term.jobs, term.charged_cents) == ({}, 0)  # nothing started: released
    assert [e.amount_cents for e in waiver_entries(app)] == [25_000, -25_000]
    assert_books_balance(app, first.id)
    assert app.store.events(first.id) == ["assignment.bound", "assignment.cancelled"]
    # The next job for this customer is under the endorsement again: its floor is charged.
    second = app.assignments.create(
        PLATFORM, job(app, contractor_id, "w2", customer_id=customer_id, state="PA")
    )
    assert second.coverage["wc"].waiver is not None
    assert sum(e.amount_cents for e in waiver_entries(app)) == 25_000


def test_approving_a_referred_dispatch_is_one_commit_with_its_waiver(app: FakeApp) -> None:
    contractor_id = opted_in(app, backdated=True)
    customer_id = customer(app)
    referred = app.assignments.create(
        PLATFORM,
        job(app, contractor_id, "r1", customer_id=customer_id, start_in_hours=-24, state="PA"),
    )
    assert referred.status == "referred"
    assert referred.referral is not None
    assert app.store.events(referred.id) == ["assignment.referred"]
    assert app.store.of_kind("waiver") == []  # nothing bound, nothing under the endorsement
    commits = app.store.commits
    app.referrals.decide(referred.referral, "approve", "fine", UNDERWRITER)
    assert app.store.commits == commits + 1
    approved = app.assignments.get(PLATFORM, referred.id)
    assert approved.status == "bound"
    assert approved.referral_decision == "approved"
    kinds = {(e.line, e.type) for e in app.store.ledger if e.assignment == referred.id}
    # GL's waiver is per job (its own charge); WC's is the customer's, on its account
    assert kinds == {
        ("wc", "premium_estimate"),
        ("gl", "premium_estimate"),
        ("gl", "waiver_charge"),
    }
    [term] = waiver_account(app).terms.values()
    assert (list(term.jobs), term.charged_cents) == ([referred.id], 25_000)
    assert app.store.events(referred.id)[-1] == "assignment.bound"
    assert app.store.events(referred.referral) == ["referral.approved"]
    assert_books_balance(app, referred.id)
    # ...and the approved job can be cancelled: everything refunded, the waiver released.
    app.assignments.cancel(PLATFORM, referred.id, "client_request")
    assert waiver_account(app).terms[term_policy(app)].charged_cents == 0
    assert_books_balance(app, referred.id)


def term_policy(app: FakeApp) -> str:
    [policy] = waiver_account(app).terms
    return policy


def test_declined_dispatch_stays_uncovered(app: FakeApp) -> None:
    contractor_id = opted_in(app, backdated=True)
    referred = app.assignments.create(PLATFORM, job(app, contractor_id, "d1", start_in_hours=-24))
    assert referred.referral is not None
    app.referrals.decide(referred.referral, "decline", "no", UNDERWRITER)
    declined = app.assignments.get(PLATFORM, referred.id)
    assert declined.status == "uncovered"
    assert declined.premium_cents == 0
    assert app.store.events(referred.id) == ["assignment.referred", "assignment.uncovered"]
    assert app.store.events(referred.referral) == ["referral.declined"]
    with pytest.raises(Conflict) as decided:
        app.referrals.decide(referred.referral, "approve", None, UNDERWRITER)
    assert decided.value.code == "referral_decided"


def test_approval_after_a_concurrent_patch_is_not_lost(app: FakeApp) -> None:
    """The PATCH lands between the decision's read and its commit: the decision re-reads."""
    contractor_id = opted_in(app, backdated=True)
    referred = app.assignments.create(PLATFORM, job(app, contractor_id, "p1", start_in_hours=-24))
    assert referred.referral is not None
    original = app.assignments.decide_referral
    patched: list[bool] = []

    def patch_first(current: Any, decision: Any, stamp: Any) -> Any:
        if not patched:
            patched.append(True)
            app.assignments.update(PLATFORM, current.id, AssignmentChanges(description="gate"))
        return original(current, decision, stamp)

    object.__setattr__(app.assignments, "decide_referral", patch_first)
    app.referrals.decide(referred.referral, "approve", None, UNDERWRITER)
    after = app.assignments.get(PLATFORM, referred.id)
    assert (after.status, after.description, after.referral_decision) == (
        "bound",
        "gate",
        "approved",
    )
    assert_books_balance(app, referred.id)


def test_a_lost_answer_is_answered_from_the_commit_not_repeated(app: FakeApp) -> None:
    """A client retries (same Idempotency-Key) a payment whose commit landed but whose answer
    was lost: the retry answers that payment, and the balance fell once."""
    contractor_id = opted_in(app)
    quoted = quote(app, contractor_id, app.clock.now().date())
    assert quoted  # an unbound second quote keeps the store busy; irrelevant to the payment
    policy = app.store.of_kind("policy")[0]
    # A written premium to pay against: an annual line would carry one; give the test its own.
    payable = policy.model_copy(update={"written_premium_cents": 20_000})
    app.store.objects[("policy", PLATFORM, policy.id)] = payable

    def lose() -> None:
        raise ConnectionError("answer lost")

    app.store.after_commit = lose
    scope = keyed_scope("key-1|pay|10000")
    with write_scope(scope), pytest.raises(ConnectionError):
        app.policies.pay(PLATFORM, policy.id, 10_000, "ach-1")
    with write_scope(scope):
        retried = app.policies.pay(PLATFORM, policy.id, 10_000, "ach-1")
    assert retried.amount_cents == 10_000
    after = app.policies.get_policy(PLATFORM, policy.id)
    assert after.paid_cents == 10_000
    assert app.store.events(retried.id) == ["policy.payment_received"]
    # A second, legitimate identical payment (another key) is a payment of its own.
    with write_scope(keyed_scope("key-2|pay|10000")):
        app.policies.pay(PLATFORM, policy.id, 10_000, "ach-1")
    assert app.policies.get_policy(PLATFORM, policy.id).paid_cents == 20_000


def test_a_retried_create_answers_its_own_assignment(app: FakeApp) -> None:
    contractor_id = opted_in(app)

    def lose() -> None:
        raise ConnectionError("answer lost")

    app.store.after_commit = lose
    scope = keyed_scope("key-9|create")
    request = job(app, contractor_id, "retry-1")
    with write_scope(scope), pytest.raises(ConnectionError):
        app.assignments.create(PLATFORM, request)
    with write_scope(scope):
        again = app.assignments.create(PLATFORM, request)
    assert [a.id for a in app.store.of_kind("assignment")] == [again.id]
    assert app.store.events(again.id) == ["assignment.bound"]


def test_transitions_refuse_what_the_state_forbids(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    created = app.assignments.create(PLATFORM, job(app, contractor_id, "x1"))
    with pytest.raises(Conflict):
        app.assignments.complete(PLATFORM, created.id, 1, None, None)
    app.assignments.cancel(PLATFORM, created.id, "client_request")
    commits = app.store.commits
    for action in (
        lambda: app.assignments.start(PLATFORM, created.id, None),
        lambda: app.assignments.cancel(PLATFORM, created.id, "again"),
        lambda: app.assignments.update(PLATFORM, created.id, AssignmentChanges(description="x")),
    ):
        with pytest.raises(Conflict):
            action()
    assert app.store.commits == commits
    assert isinstance(app.clock.now(), datetime)
