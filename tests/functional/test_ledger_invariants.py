"""Property: whatever sequence of dispatch operations runs, every assignment's premium equals the
sum of its ledger entries, and the contractor's ledger total equals the sum of its assignments."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from moto import mock_aws

from chalicelib.domain.assignments import Pay, Window
from chalicelib.domain.errors import Conflict
from chalicelib.domain.parties import Address
from devserver.resources import create_resources, stage_environment, stage_names

STATES = {"NJ": "07102", "PA": "19103", "TX": "78701", "OH": "43215"}
TODAY = datetime.now(UTC).date()


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
        self.contractor = self._contractor()
        self.customer = self.app.parties.create_customer(
            self.platform,
            {
                "name": "Waiver Co",
                "address": {"line1": "1 A", "city": "B", "state": "PA", "postal_code": "19103"},
                "requirements": {"waiver_of_subrogation": True, "additional_insured": True},
            },
        ).id
        self._opt_in()
        self.assignments: list[str] = []
        self.counter = 0

    def _contractor(self) -> str:
        fields = {
            "legal_name": "Prop Tech",
            "entity_type": "sole_proprietor",
            "tin_type": "ssn",
            "has_employees": False,
            "email": "p@example.com",
            "address": {"line1": "1 A", "city": "B", "state": "NJ", "postal_code": "07102"},
            "years_in_business": Decimal(5),
            "experience_mod": Decimal("1.00"),
            "prior_coverage": {"status": "none"},
            "losses": [],
        }
        return self.app.parties.create_contractor(self.platform, fields, "123456789").id

    def _opt_in(self) -> None:
        from chalicelib.services.quotes import QuoteInput

        quote = self.app.quotes.create_quote(
            self.platform,
            QuoteInput(
                contractor=self.contractor,
                trade="hvac",
                work_state="NJ",
                lines=("wc", "gl"),
                effective_date=TODAY,
                end_date=None,
                estimated_annual_pay_cents=4_000_000,
                hourly_wage_cents=None,
                customer=None,
                employers_liability_limits="100/500/100",
                deductible_cents=0,
                rating_plan="guaranteed_cost",
                operations={},
                requested_coverages=(),
                raw={},
            ),
        )
        self.app.policies.create_policy(self.platform, quote.id)

    def teardown(self) -> None:
        self.mock.stop()

    @rule(
        state=st.sampled_from(sorted(STATES)),
        pay=st.integers(0, 500_000),
        with_customer=st.booleans(),
        bind=st.booleans(),
    )
    def dispatch(self, state: str, pay: int, with_customer: bool, bind: bool) -> None:
        from chalicelib.domain.assignments import AssignmentInput

        self.counter += 1
        start = datetime.now(UTC) + timedelta(days=1)
        created = self.app.assignments.create(
            self.platform,
            AssignmentInput(
                external_id=f"job-{self.counter}",
                contractor=self.contractor,
                customer=self.customer if with_customer else None,
                trade="hvac",
                description=None,
                work_address=Address(line1="1", city="X", state=state, postal_code=STATES[state]),
                window=Window(start=start, end=start + timedelta(hours=3)),
                pay=Pay(amount_cents=pay, basis="flat"),
                lines=("wc", "gl"),
                requirements=None,
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
