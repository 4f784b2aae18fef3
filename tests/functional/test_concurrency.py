"""Real threads against moto: parallel binds of one job, many jobs, racing state changes.

mock_aws is process-global, so threads share one in-memory DynamoDB. Chalice's test client swaps
os.environ per request, so it only sets the scene; the racing threads call the service layer
(`container().assignments`) directly, under the `aws` fixture's stage environment.

moto's DynamoDB backend is not thread-safe: a TransactWriteItems checks its conditions and then
writes without a lock, and rolls a failed transaction back by restoring the items it named as
they were when it started (wiping out what other threads wrote to them meanwhile). The service
makes every request atomic and serialisable; the `dynamo` fixture gives moto the same guarantee
as `make run` has (devserver.localaws: each DynamoDB request under one lock), and can hold
transactions in flight so that concurrent ones are cancelled with `TransactionConflict`, as
DynamoDB does. Requests still interleave freely between each other, which is where the
application's races live.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import pytest

from chalicelib.bootstrap import Container, container
from chalicelib.domain.assignments import Assignment, AssignmentInput, Pay, Window
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import Address
from devserver.localaws import DynamoSemantics
from tests.answers import CLEAN_ANSWERS
from tests.functional.conftest import ADMIN_KEY, Api, contractor_body, customer_body

T = TypeVar("T")
TODAY = datetime.now(UTC).date()
POSTAL = {"NJ": "07102", "PA": "19103", "TX": "78701"}


@dataclass(frozen=True)
class Scene:
    platform: str
    contractor: str
    policy: str
    waiver_customer: str


@pytest.fixture
def scene(api: Api, dynamo: DynamoSemantics) -> Scene:
    """A platform, a tech opted in (WC + GL policy), a customer asking for a waiver."""
    status, platform = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Race Dispatch"})
    assert status == 201, platform
    key = platform["api_key"]
    contractor = api.json("POST", "/v1/contractors", key, contractor_body())[1]["id"]
    status, quote = api.json(
        "POST",
        "/v1/quotes",
        key,
        {
            "contractor": contractor,
            "trade": "hvac",
            "work_state": "NJ",
            "lines": ["wc", "gl"],
            "effective_date": TODAY.isoformat(),
            "estimated_annual_pay_cents": 4_000_000,
            "operations": CLEAN_ANSWERS,
        },
    )
    assert (status, quote["status"]) == (201, "eligible"), quote
    status, policy = api.json(
        "POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True}
    )
    assert (status, policy["status"]) == (201, "active"), policy
    customer = api.json("POST", "/v1/customers", key, customer_body())[1]["id"]
    _warm_up(container())
    return Scene(platform["id"], contractor, policy["id"], customer)


def _warm_up(app: Container) -> None:
    """Build the lazily cached services and reference data before threads race for them."""
    services = app.assignments
    services.reference()
    services.rulebook("multistate-wc")
    services.rulebook("contractors-gl")
    services.trade_profile("hvac")
    assert app.ledger is not None


def job(
    scene: Scene, external_id: str, state: str = "PA", customer: str | None = None, pay: int = 0
) -> AssignmentInput:
    start = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    return AssignmentInput(
        external_id=external_id,
        contractor=scene.contractor,
        customer=customer,
        trade="hvac",
        description=None,
        work_address=Address(
            line1="12 Job St", city="Somewhere", state=state, postal_code=POSTAL[state]
        ),
        window=Window(start=start, end=start + timedelta(hours=4)),
        pay=Pay(amount_cents=pay or 40_000, basis="flat"),
        lines=("wc", "gl"),
        requirements=None,
        bind=True,
    )


def race(actions: list[Callable[[], T]]) -> list[T | Exception]:
    """Run every action on its own thread, released together by a barrier; results in order."""
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], T]) -> T | Exception:
        barrier.wait(timeout=30)
        try:
            return action()
        except Exception as error:  # the race's losers are part of the result
            return error

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return list(pool.map(run, actions))


def ledger_of(scene: Scene, **filters: str) -> list[LedgerEntry]:
    ((field, value),) = filters.items()
    return container().ledger.entries(scene.platform, field, value)


@pytest.mark.parametrize("in_flight_ms", [0, 40])
def test_parallel_dispatches_of_one_job_bind_exactly_once(
    scene: Scene, dynamo: DynamoSemantics, in_flight_ms: int
) -> None:
    """With transactions in flight, losers see TransactionConflict first; still one bind."""
    dynamo.transaction_seconds = in_flight_ms / 1000
    services = container().assignments
    outcomes = race(
        [lambda: services.create(scene.platform, job(scene, "same-job")) for _ in range(8)]
    )
    if in_flight_ms:
        # Held in flight, concurrent binds must meet it. Without that, a loaded machine may
        # serialise the threads so that every loser reads the claim first: still one bind.
        assert dynamo.cancelled["TransactionConflict"]
    bound = [o for o in outcomes if isinstance(o, Assignment)]
    refused = [o for o in outcomes if not isinstance(o, Assignment)]
    assert len(bound) == 1, outcomes
    winner = bound[0]
    assert winner.status == "bound"
    assert len(refused) == 7
    for error in refused:
        assert isinstance(error, Conflict), error
        assert error.code == "duplicate_external_id", (error.code, error.message)
        assert error.details[0]["id"] == winner.id
    entries = ledger_of(scene, contractor=scene.contractor)
    assert {e.assignment for e in entries} == {winner.id}
    assert sum(e.amount_cents for e in entries) == winner.premium_cents > 0
    stored = services.get(scene.platform, winner.id)
    assert stored.premium_cents == winner.premium_cents


def test_a_duplicate_waits_out_the_first_bind_still_in_flight(
    scene: Scene, dynamo: DynamoSemantics
) -> None:
    """The retry must outlast a slow first transaction, then answer duplicate_external_id.

    The second dispatch reads before the first commits, so it sees no claim; its transaction is
    cancelled with TransactionConflict while the first is in flight. Retrying at once re-reads
    the same uncommitted state; the retries must back off long enough to see the claim.
    """
    dynamo.transaction_seconds = 0.15
    services = container().assignments
    outcomes = race(
        [lambda: services.create(scene.platform, job(scene, "slow-job")) for _ in range(2)]
    )
    assert dynamo.cancelled["TransactionConflict"] >= 1
    bound = [o for o in outcomes if isinstance(o, Assignment)]
    assert len(bound) == 1, outcomes
    (refused,) = [o for o in outcomes if not isinstance(o, Assignment)]
    assert isinstance(refused, Conflict)
    assert (refused.code, refused.details[0]["id"]) == ("duplicate_external_id", bound[0].id)


@pytest.mark.parametrize("in_flight_ms", [0, 40])
def test_many_parallel_jobs_leave_the_ledger_exact_to_the_cent(
    scene: Scene, dynamo: DynamoSemantics, in_flight_ms: int
) -> None:
    dynamo.transaction_seconds = in_flight_ms / 1000
    services = container().assignments
    jobs = [
        job(scene, f"waiver-{n}", "PA", customer=scene.waiver_customer, pay=30_001 + 977 * n)
        if n % 4 == 0
        else job(scene, f"plain-{n}", ("NJ", "PA", "TX")[n % 3], pay=25_003 + 1_313 * n)
        for n in range(40)
    ]
    outcomes = race([partial(services.create, scene.platform, request) for request in jobs])
    assert dynamo.cancelled["TransactionConflict" if in_flight_ms else "ConditionalCheckFailed"]
    # Jobs for the same tech and customer take turns on the customer's waiver account: under a
    # burst some answer 409 concurrent_update, which the client retries (API.md: not stored
    # under an Idempotency-Key); any other job never fails.
    for _ in range(5):
        retry = [n for n, o in enumerate(outcomes) if not isinstance(o, Assignment)]
        for n in retry:
            error = outcomes[n]
            assert jobs[n].customer == scene.waiver_customer, error
            assert isinstance(error, Conflict) and error.code == "concurrent_update", error
        if not retry:
            break
        again = race([partial(services.create, scene.platform, jobs[n]) for n in retry])
        for n, outcome in zip(retry, again, strict=True):
            outcomes[n] = outcome
    assignments = [o for o in outcomes if isinstance(o, Assignment)]
    assert len({a.id for a in assignments}) == 40
    assert all(a.status == "bound" for a in assignments)

    entries = [e for e in ledger_of(scene, contractor=scene.contractor) if e.assignment]
    total = sum(e.amount_cents for e in entries)
    assert total == sum(a.premium_cents for a in assignments)
    by_assignment = Counter[str]()
    for entry in entries:
        by_assignment[entry.assignment] += entry.amount_cents
    for assignment in assignments:
        stored = services.get(scene.platform, assignment.id)
        assert by_assignment[assignment.id] == assignment.premium_cents == stored.premium_cents
        assert (
            sum(e.amount_cents for e in ledger_of(scene, assignment=assignment.id))
            == assignment.premium_cents
        )

    # The customer's WC waiver: one endorsement for the term, max(5% x the jobs' WC premium,
    # $250), booked on its account (no job's entry); GL's waiver is each job's own.
    charges = [e for e in all_entries(scene) if e.type == "waiver_charge"]
    waiver_jobs = {a.id for a in assignments if a.customer == scene.waiver_customer}
    wc_charges = [e for e in charges if e.line == "wc"]
    assert {e.assignment for e in wc_charges} == {None}
    covered = sum(
        a.coverage["wc"].waiver.covered_premium_cents
        for a in assignments
        if a.id in waiver_jobs and a.coverage["wc"].waiver
    )
    assert sum(e.amount_cents for e in wc_charges) == max((covered * 5 + 50) // 100, 25_000)
    assert {e.assignment for e in charges if e.line == "gl"} == waiver_jobs
    for assignment in assignments:
        waiver = assignment.coverage["wc"].waiver
        assert (waiver is not None) is (assignment.id in waiver_jobs)


def all_entries(scene: Scene) -> list[Any]:
    """Every entry of the contractor, the waiver accounts' included."""
    return ledger_of(scene, contractor=scene.contractor)


@pytest.mark.parametrize("customer", [False, True], ids=["plain", "waiver-customer"])
def test_parallel_cancel_and_start_one_wins_and_the_ledger_follows(
    scene: Scene, customer: bool
) -> None:
    services = container().assignments
    winners = Counter[str]()
    for round_ in range(6):
        created = services.create(
            scene.platform,
            job(
                scene,
                f"cancel-or-start-{customer}-{round_}",
                customer=scene.waiver_customer if customer else None,
            ),
        )
        assert created.premium_cents > 0
        actions: list[Callable[[], Assignment]] = [
            partial(services.cancel, scene.platform, created.id, "client_request"),
            partial(services.start, scene.platform, created.id, None),
        ]
        if round_ % 2:
            actions.reverse()
        outcomes = race(actions)
        won = [o for o in outcomes if isinstance(o, Assignment)]
        lost = [o for o in outcomes if not isinstance(o, Assignment)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert isinstance(lost[0], Conflict), lost[0]
        winners[won[0].status] += 1
        stored = services.get(scene.platform, created.id)
        assert stored.status == won[0].status
        assert stored.version == created.version + 1
        entries = ledger_of(scene, assignment=created.id)
        assert sum(e.amount_cents for e in entries) == stored.premium_cents
        if stored.status == "cancelled":
            assert stored.premium_cents == 0
            assert sorted(e.type for e in entries).count("refund") == len(
                [c for c in created.coverage.values() if c.premium_cents]
            )
        else:
            assert stored.status == "active"
            assert stored.premium_cents == created.premium_cents
            assert all(e.type != "refund" for e in entries)
    assert sum(winners.values()) == 6
