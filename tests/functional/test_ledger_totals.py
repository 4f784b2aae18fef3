"""Property: whatever sequence of binds, reprices, cancellations, payments and policy changes runs,
every running total `GET /v1/ledger` answers from (the platform's, each contractor's, each
policy's, each assignment's) equals the sum of the entries it covers, and counts them.

On moto through the container, so the totals are the ones the unit of work ADDs in each
TransactWriteItems, read back the way the route reads them.
"""

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

from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.parties import Principal
from chalicelib.domain.roles import Role
from devserver.resources import create_resources, stage_environment, stage_names
from tests.functional import world

STATES = ("NJ", "PA", "TX")  # the work states the machine dispatches to


class LedgerTotals(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        from chalicelib import bootstrap

        bootstrap.reset()
        env = stage_environment("test")
        create_resources(boto3.session.Session(), stage="test", names=stage_names(env))
        self.app = bootstrap.container()
        self.platform = self.app.parties.create_platform("Totals")[0].id
        self.contractor = world.contractor(self.app, self.platform)
        self.customer = world.waiver_customer(self.app, self.platform)
        self.dispatch_policy = world.policy(self.app, self.platform, self.contractor, "NJ", "hvac")
        # An annual California policy: term charges at inception, a down payment to pay.
        self.annual_contractor = world.contractor(
            self.app,
            self.platform,
            entity_type="corporation",
            tin_type="fein",
            has_employees=True,
            employee_count=40,
            years_in_business=Decimal("12"),
            prior_coverage={"status": "current"},
            address={"line1": "1 Market", "city": "Fresno", "state": "CA", "postal_code": "93721"},
        )
        self.annual_policy = world.policy(
            self.app,
            self.platform,
            self.annual_contractor,
            "CA",
            "plumbing",
            effective_date=datetime.now(UTC).date() + timedelta(days=1),
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        )
        self.assignments: list[str] = []
        self.counter = 0

    def teardown(self) -> None:
        self.mock.stop()

    @rule(
        state=st.sampled_from(sorted(STATES)),
        pay=st.integers(0, 500_000),
        with_customer=st.booleans(),
        days_out=st.integers(1, 4),
    )
    def bind(self, state: str, pay: int, with_customer: bool, days_out: int) -> None:
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
                days_out=days_out,
            ),
        )
        self.assignments.append(created.id)

    @precondition(lambda self: self.assignments)
    @rule(data=st.data(), pay=st.integers(0, 500_000))
    def reprice(self, data: st.DataObject, pay: int) -> None:
        from chalicelib.domain.assignments import Pay
        from chalicelib.services.assignments import AssignmentChanges

        target = data.draw(st.sampled_from(self.assignments))
        with contextlib.suppress(Conflict):  # started, completed or cancelled
            self.app.assignments.update(
                self.platform, target, AssignmentChanges(pay=Pay(amount_cents=pay, basis="flat"))
            )

    @precondition(lambda self: self.assignments)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(self.assignments))
        with contextlib.suppress(Conflict):
            self.app.assignments.cancel(self.platform, target, "client_request")

    @rule(fraction=st.sampled_from([Decimal("0.1"), Decimal("0.5"), Decimal(1)]))
    def payment(self, fraction: Decimal) -> None:
        policy = self.app.policies.get_policy(self.platform, self.annual_policy)
        due = policy.down_payment_due_cents or 0
        with contextlib.suppress(DomainError):  # nothing due, or not payable now
            self.app.policies.pay(
                self.platform, policy.id, max(1, int(due * fraction)), f"chk-{self.counter}"
            )

    @rule(which=st.sampled_from(["dispatch", "annual", "annual"]), days=st.sampled_from([0, 0, 2]))
    def cancel_policy(self, which: str, days: int) -> None:
        """Today, before the annual policy's inception: flat, every term charge returned."""
        policy_id = self.dispatch_policy if which == "dispatch" else self.annual_policy
        insured = Principal(key_id="key_platform", role=Role.PLATFORM, platform=self.platform)
        with contextlib.suppress(DomainError):
            self.app.term.cancel(
                insured, policy_id, "insured_request", datetime.now(UTC).date() + timedelta(days)
            )

    @invariant()
    def every_running_total_is_the_sum_of_its_entries(self) -> None:
        ledger = self.app.ledger
        scopes: list[tuple[str | None, str | None]] = [
            (None, None),
            ("contractor", self.contractor),
            ("contractor", self.annual_contractor),
            ("policy", self.dispatch_policy),
            ("policy", self.annual_policy),
            *(("assignment", assignment) for assignment in self.assignments),
        ]
        for field, value in scopes:
            entries = ledger.entries(self.platform, field, value)
            expected = sum(entry.amount_cents for entry in entries)
            assert ledger.total_cents(self.platform, field, value) == expected, (field, value)
            count = ledger.entry_count((self.platform, field, value))
            assert count == len(entries), (field, value)
        everything = ledger.entries(self.platform, None, None)
        assert len(everything) == len({entry.id for entry in everything})
        assert sorted(everything, key=lambda e: e.id) == everything


TestLedgerTotals = LedgerTotals.TestCase
TestLedgerTotals.settings = settings(
    max_examples=6,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _stage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in stage_environment("test").items():
        monkeypatch.setenv(name, value)


def test_a_platform_with_no_entries_totals_zero() -> None:
    with mock_aws():
        from chalicelib import bootstrap

        bootstrap.reset()
        env = stage_environment("test")
        create_resources(boto3.session.Session(), stage="test", names=stage_names(env))
        app = bootstrap.container()
        platform = app.parties.create_platform("Empty")[0].id
        assert app.ledger.total_cents(platform, None, None) == 0
        assert app.ledger.total_cents(platform, "contractor", "ctr_none") == 0
        bootstrap.reset()
