"""Property: any sequence of dispatch operations, on the in-memory fakes, keeps every aggregate's
invariants and records exactly the events API.md's "Events" table names for what happened."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chalicelib.domain.assignments import Pay
from chalicelib.domain.errors import DomainError
from chalicelib.domain.events import EVENT_TYPES
from chalicelib.services.assignments import AssignmentChanges
from tests.fakes import FakeApp
from tests.unit.test_services_on_fakes import PLATFORM, UNDERWRITER, customer, job, opted_in

# The event each successful operation must record (None: the table names none for it).
EXPECTED = {
    "start": "assignment.started",
    "complete": "assignment.completed",
    "cancel": "assignment.cancelled",
    "patch": "assignment.updated",
}
CREATE_EVENTS = {
    "bound": "assignment.bound",
    "partial": "assignment.bound",
    "uncovered": "assignment.uncovered",
    "referred": "assignment.referred",
    "quoted": None,
}


class Dispatches(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = FakeApp()
        self.contractor = opted_in(self.app, backdated=True)
        self.customer = customer(self.app)
        self.jobs: list[str] = []
        self.counter = 0

    def _expect(self, before: int, *events: str | None) -> None:
        recorded = [e.type for e in self.app.store.outbox[before:]]
        assert recorded == [e for e in events if e], recorded

    @rule(
        state=st.sampled_from(["NJ", "PA"]),
        with_customer=st.booleans(),
        backdated=st.booleans(),
        bind=st.booleans(),
    )
    def dispatch(self, state: str, with_customer: bool, backdated: bool, bind: bool) -> None:
        self.counter += 1
        before = len(self.app.store.outbox)
        created = self.app.assignments.create(
            PLATFORM,
            job(
                self.app,
                self.contractor,
                f"job-{self.counter}",
                customer_id=self.customer if with_customer else None,
                start_in_hours=-24 if backdated else 24,
                bind=bind,
                state=state,
            ),
        )
        self.jobs.append(created.id)
        self._expect(before, CREATE_EVENTS[created.status])

    def _act(self, index: int, operation: str, action: Any) -> None:
        assignment_id = self.jobs[index % len(self.jobs)]
        before = len(self.app.store.outbox)
        commits = self.app.store.commits
        try:
            action(assignment_id)
        except DomainError:
            assert self.app.store.commits == commits  # a refused transition writes nothing
            self._expect(before)
            return
        assert self.app.store.commits == commits + 1
        self._expect(before, EXPECTED[operation])

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50))
    def start(self, index: int) -> None:
        self._act(index, "start", lambda a: self.app.assignments.start(PLATFORM, a, None))

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50), pay=st.integers(1, 200_000))
    def complete(self, index: int, pay: int) -> None:
        self._act(
            index,
            "complete",
            lambda a: self.app.assignments.complete(PLATFORM, a, pay, None, None),
        )

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50))
    def cancel(self, index: int) -> None:
        self._act(index, "cancel", lambda a: self.app.assignments.cancel(PLATFORM, a, "client"))

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50), pay=st.integers(10_000, 90_000))
    def patch(self, index: int, pay: int) -> None:
        changes = AssignmentChanges(pay=Pay(amount_cents=pay, basis="flat"))
        self._act(index, "patch", lambda a: self.app.assignments.update(PLATFORM, a, changes))

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50), approve=st.booleans())
    def decide(self, index: int, approve: bool) -> None:
        assignment = self.app.assignments.get(PLATFORM, self.jobs[index % len(self.jobs)])
        if assignment.referral is None:
            return
        before = len(self.app.store.outbox)
        if self.app.referrals.get(assignment.referral).status != "open":
            with pytest.raises(DomainError, match="already"):
                self.app.referrals.decide(assignment.referral, "approve", None, UNDERWRITER)
            self._expect(before)
            return
        self.app.referrals.decide(
            assignment.referral, "approve" if approve else "decline", None, UNDERWRITER
        )
        after = self.app.assignments.get(PLATFORM, assignment.id)
        recorded = [e.type for e in self.app.store.outbox[before:]]
        assert recorded[0] == ("referral.approved" if approve else "referral.declined")
        moved = after.status != assignment.status
        assert recorded[1:] == ([CREATE_EVENTS[after.status]] if moved else []), recorded

    @invariant()
    def books_balance_and_claims_match(self) -> None:
        store = self.app.store
        held: dict[Any, str] = {}
        for assignment in store.of_kind("assignment"):
            entries = [e for e in store.ledger if e.assignment == assignment.id]
            assert sum(e.amount_cents for e in entries) == assignment.premium_cents
            assert assignment.premium_cents == sum(
                line.premium_cents for line in assignment.coverage.values()
            )
            for claim in assignment.waiver_claims():
                held[claim] = assignment.id
        assert held == store.waivers
        assert {e.type for e in store.outbox} <= EVENT_TYPES


TestDispatches = Dispatches.TestCase
TestDispatches.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
