"""Property: whatever sequence of dispatch operations runs, every assignment's premium equals the
sum of its ledger entries, and the contractor's ledger total equals the sum of its assignments."""

from __future__ import annotations

import contextlib

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from moto import mock_aws

from chalicelib.domain.assignments import Pay
from chalicelib.domain.errors import Conflict
from devserver.resources import create_resources, stage_environment, stage_names
from tests.answers import CLEAN_ANSWERS
from tests.functional import world

STATES = ("NJ", "PA", "TX", "OH")  # the work states the machine dispatches to


class DispatchLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        from chalicelib import bootstrap

        bootstrap.reset()
        env = stage_environment("test")
        create_resources(boto3.session.Session(), stage="test", names=stage_names(env))
        self.app = bootstrap.container()
        self.platform = self.app.parties.create_platform("Prop")[0].id
        self.contractor = world.contractor(self.app, self.platform)
        self.customer = world.waiver_customer(self.app, self.platform)
        world.policy(
            self.app, self.platform, self.contractor, "NJ", "hvac", operations=CLEAN_ANSWERS
        )
        self.assignments: list[str] = []
        self.counter = 0

    def teardown(self) -> None:
        self.mock.stop()

    @rule(
        state=st.sampled_from(sorted(STATES)),
        pay=st.integers(0, 500_000),
        with_customer=st.booleans(),
        bind=st.booleans(),
    )
    def dispatch(self, state: str, pay: int, with_customer: bool, bind: bool) -> None:
        self.counter += 1
        customer = self.customer if with_customer else None
        created = self.app.assignments.create(
            self.platform,
            world.job(
                f"job-{self.counter}",
                self.contractor,
                customer,
                state=state,
                pay_cents=pay,
                bind=bind,
            ),
        )
        self.assignments.append(created.id)

    @precondition(lambda self: self.assignments)
    @rule(data=st.data(), pay=st.integers(0, 500_000))
    def change_pay(self, data: st.DataObject, pay: int) -> None:
        from chalicelib.services.assignments import AssignmentChanges

        target = data.draw(st.sampled_from(self.assignments))
        with contextlib.suppress(Conflict):  # already started, completed or cancelled
            self.app.assignments.update(
                self.platform, target, AssignmentChanges(pay=Pay(amount_cents=pay, basis="flat"))
            )

    @precondition(lambda self: self.assignments)
    @rule(data=st.data(), action=st.sampled_from(["start", "cancel"]))
    def transition(self, data: st.DataObject, action: str) -> None:
        target = data.draw(st.sampled_from(self.assignments))
        try:
            if action == "start":
                self.app.assignments.start(self.platform, target, None)
            else:
                self.app.assignments.cancel(self.platform, target, "client_request")
        except Conflict:
            pass

    @precondition(lambda self: self.assignments)
    @rule(data=st.data(), actual=st.integers(0, 800_000))
    def complete(self, data: st.DataObject, actual: int) -> None:
        target = data.draw(st.sampled_from(self.assignments))
        with contextlib.suppress(Conflict):
            self.app.assignments.complete(self.platform, target, actual, None, None)

    @invariant()
    def premium_is_the_sum_of_entries(self) -> None:
        total = 0
        for assignment_id in self.assignments:
            assignment = self.app.assignments.get(self.platform, assignment_id)
            entries = self.app.ledger.entries(self.platform, "assignment", assignment_id)
            assert assignment.premium_cents == sum(e.amount_cents for e in entries)
            assert assignment.premium_cents == sum(
                line.premium_cents for line in assignment.coverage.values()
            )
            if assignment.status in {"cancelled", "quoted"}:
                assert assignment.premium_cents == 0
            total += assignment.premium_cents
        # The customer's WC waiver books on its account, not on a job.
        waivers = self.app.ledger.entries(self.platform, "contractor", self.contractor)
        total += sum(e.amount_cents for e in waivers if e.assignment is None)
        assert self.app.ledger.total_cents(self.platform, "contractor", self.contractor) == total


TestDispatchLedger = DispatchLedger.TestCase
TestDispatchLedger.settings = settings(
    max_examples=8,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _stage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in stage_environment("test").items():
        monkeypatch.setenv(name, value)
