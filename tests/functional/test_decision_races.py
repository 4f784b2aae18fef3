"""Real threads: an underwriter's decision racing the platform's changes is never lost, and two
payments never overpay. Each round races on moto with DynamoDB's per-request atomicity (and,
where parametrised, transactions held in flight so that colliding ones are cancelled)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.bootstrap import container
from chalicelib.domain.assignments import AssignmentInput, Pay, Window
from chalicelib.domain.errors import DomainError
from chalicelib.domain.parties import Address, Principal
from chalicelib.domain.roles import Role
from chalicelib.services.assignments import AssignmentChanges
from devserver.localaws import DynamoSemantics
from tests.functional.conftest import (
    ADMIN_KEY,
    Api,
    california_contractor_body,
    contractor_body,
    quote_body,
)
from tests.functional.test_concurrency import _warm_up, race

TODAY = datetime.now(UTC).date()
UNDERWRITER = Principal(key_id="key_race_underwriter", role=Role.UNDERWRITER)
ROUNDS = 4


@dataclass(frozen=True)
class Backdated:
    platform: str
    key: str
    contractor: str


@pytest.fixture
def backdated(api: Api, dynamo: DynamoSemantics) -> Backdated:
    """A tech whose approved policy began 5 days ago: a job from yesterday is referred."""
    platform = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Race"})[1]
    key = platform["api_key"]
    contractor = api.json("POST", "/v1/contractors", key, contractor_body())[1]["id"]
    effective = (TODAY - timedelta(days=5)).isoformat()
    quote = api.json("POST", "/v1/quotes", key, quote_body(contractor, effective_date=effective))[1]
    underwriter = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]
    api.json("POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter["api_key"], {})
    status, _ = api.json("POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True})
    assert status == 201
    _warm_up(container())
    return Backdated(platform["id"], key, contractor)


def referred_job(scene: Backdated, external_id: str) -> Any:
    start = datetime.now(UTC) - timedelta(days=1)
    created = container().assignments.create(
        scene.platform,
        AssignmentInput(
            external_id=external_id,
            contractor=scene.contractor,
            customer=None,
            trade="hvac",
            description=None,
            work_address=Address(
                line1="1 Job St", city="Philadelphia", state="PA", postal_code="19103"
            ),
            window=Window(start=start, end=start + timedelta(hours=72)),
            pay=Pay(amount_cents=40_000, basis="flat"),
            lines=("wc", "gl"),
            requirements=None,
            bind=True,
        ),
    )
    assert created.status == "referred" and created.referral is not None
    return created


def settled(scene: Backdated, assignment_id: str) -> Any:
    """The assignment after the race, with its books checked against its premium."""
    app = container()
    after = app.assignments.get(scene.platform, assignment_id)
    entries = app.ledger.entries(scene.platform, "assignment", assignment_id)
    assert sum(e.amount_cents for e in entries) == after.premium_cents
    return after


def _no_unexpected(results: list[Any]) -> None:
    for result in results:
        if isinstance(result, Exception):
            assert isinstance(result, DomainError), repr(result)
            assert result.code in {"invalid_transition", "concurrent_update"}, result.code


@pytest.mark.parametrize("in_flight_ms", [0, 30])
def test_approval_racing_a_patch_is_never_lost(
    backdated: Backdated, dynamo: DynamoSemantics, in_flight_ms: int
) -> None:
    dynamo.transaction_seconds = in_flight_ms / 1000
    app = container()
    for round_ in range(ROUNDS):
        job = referred_job(backdated, f"patch-{in_flight_ms}-{round_}")
        results = race(
            [
                lambda job=job: app.referrals.decide(job.referral, "approve", None, UNDERWRITER),
                lambda job=job, note=f"gate {round_}": app.assignments.update(
                    backdated.platform, job.id, AssignmentChanges(description=note)
                ),
            ]
        )
        assert not isinstance(results[0], Exception), results[0]
        _no_unexpected(results)
        after = settled(backdated, job.id)
        assert after.referral_decision == "approved"
        assert after.status == "bound"
        assert app.referrals.get(job.referral).status == "approved"


@pytest.mark.parametrize("in_flight_ms", [0, 30])
def test_approval_racing_a_cancel_is_never_lost(
    backdated: Backdated, dynamo: DynamoSemantics, in_flight_ms: int
) -> None:
    dynamo.transaction_seconds = in_flight_ms / 1000
    app = container()
    for round_ in range(ROUNDS):
        job = referred_job(backdated, f"cancel-{in_flight_ms}-{round_}")
        actions: list[Callable[[], Any]] = [
            lambda job=job: app.referrals.decide(job.referral, "approve", None, UNDERWRITER),
            lambda job=job: app.assignments.cancel(backdated.platform, job.id, "client_request"),
        ]
        results = race(actions)
        _no_unexpected(results)
        assert not isinstance(results[0], Exception), results[0]
        assert not isinstance(results[1], Exception), results[1]
        after = settled(backdated, job.id)
        assert (after.status, after.premium_cents) == ("cancelled", 0)
        assert after.referral_decision == "approved"


def test_racing_payments_never_overpay(api: Api, dynamo: DynamoSemantics) -> None:
    platform = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Payments"})[1]
    key = platform["api_key"]
    contractor = api.json("POST", "/v1/contractors", key, california_contractor_body())[1]["id"]
    body = quote_body(
        contractor,
        trade="plumbing",
        work_state="CA",
        lines=["wc"],
        effective_date=(TODAY + timedelta(days=21)).isoformat(),
        estimated_annual_pay_cents=400_000_000,
        hourly_wage_cents=4000,
    )
    quote = api.json("POST", "/v1/quotes", key, body)[1]
    underwriter = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]
    api.json("POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter["api_key"], {})
    policy = api.json("POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True})[1]
    balance = policy["balance_due_cents"]
    app = container()
    # Two payments of 60% each: exactly one can land; together they would overpay.
    share = balance * 6 // 10
    results = race(
        [
            lambda ref=f"ach-{n}": app.policies.pay(platform["id"], policy["id"], share, ref)
            for n in (1, 2)
        ]
    )
    landed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(landed) == 1
    assert [getattr(r, "code", None) for r in refused] == ["validation_error"]
    after = app.policies.get_policy(platform["id"], policy["id"])
    assert after.paid_cents == share
    assert after.balance_due_cents == balance - share
