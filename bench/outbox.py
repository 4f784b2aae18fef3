"""Outbox and webhook throughput: do the jobs keep up with one busy platform's events?

    python bench/outbox.py [DISPATCHES] [DISPATCHES_PER_MINUTE] [--ms-per-call 10]
                           [--receiver-ms 200]

Runs DISPATCHES dispatches in-process on moto (stage "test", devserver.localaws as `make run`
has it) for a platform with one webhook endpoint subscribed to every event type: bind (WC and
GL, a customer with a waiver), start, complete on actuals. Then, one item at a time so that each
one's own cost can be told apart, and counting via botocore event hooks the DynamoDB calls and
the time outside them (the app's own work, measured):

1. the `outbox` job's shard workers (`OutboxJob.work_shard`, what each fanned-out worker runs)
   settle every event the dispatches recorded, every consumer registered (the marker,
   certificates, the webhooks consumer's record of each event and its delivery task);
2. the `webhooks` job's shard workers (`WebhookDeliveryJob.work_shard`) send every delivery
   task, to a sender that answers 200 at once (the receiver's time is a parameter, below).

DynamoDB's own latency is not moto's, and a receiver's is the platform's, so each worker's
capacity is derived at an assumed latency per DynamoDB call (`--ms-per-call`, default 10 ms:
DynamoDB answers single-item calls in single-digit milliseconds within a region, a transaction
in about twice that) and per webhook request (`--receiver-ms`, default 200 ms). The app's own
work runs one item at a time (the GIL) on about 0.6 of a core (a 1,024 MB Lambda function; the
time measured here on a whole core is scaled by `LAMBDA_CORE`). A fanned-out worker has
`SHARD_BUDGET_SECONDS` a minute on its shard:

- an outbox worker settles `SHARD_THREADS` events at once: one every
  max(event time / SHARD_THREADS, app time);
- a delivery worker takes (leases), logs and settles each task on its own thread while each
  endpoint's requests go out `PER_ENDPOINT` at once: one every max(calling-thread time per task,
  receiver time / PER_ENDPOINT). An endpoint's tasks are spread over every shard, so under a
  backlog it gets up to `PER_ENDPOINT` requests per shard worker at once (printed, next to what
  the rate needs on average: requests a second x the receiver's time).

Goals: at the busy platform's rate (default 10,000 dispatches a minute), one shard's share of
the events (and of the deliveries, one endpoint taking every event) fits in a worker's minute
(capacity / need >= 1). For the record it prints the designs before the fan-out: one outbox
invocation a minute of at most its `BATCH` events; one delivery round a minute of at most its
`BATCH` tasks with one sender per endpoint, within its `BUDGET_SECONDS`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import STAGE, _fake_aws_environment  # noqa: E402

GOAL = 1.0  # what one worker settles in its minute's budget / a shard's minute of work
LAMBDA_CORE = 1024 / 1769  # a Lambda function gets a whole vCPU at 1,769 MB


class Calls:
    """Every DynamoDB call the app's client makes, with the time inside calls."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.inside = 0.0
        self._lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()
        with self._lock:
            self.counts[model.name] += 1

    def _after(self, context: dict[str, Any], **_: Any) -> None:
        started = context.get("bench_started")
        if started is not None:
            with self._lock:
                self.inside += time.perf_counter() - started

    def reset(self) -> None:
        self.counts.clear()
        self.inside = 0.0


@dataclass(frozen=True)
class Measured:
    """One kind of work, item by item: how many, DynamoDB calls by type, wall and in-call time."""

    items: int
    counts: dict[str, int]
    wall: float
    inside: float

    @property
    def calls(self) -> float:
        return sum(self.counts.values()) / self.items

    @property
    def app_ms(self) -> float:
        return (self.wall - self.inside) * 1000 / self.items

    def describe(self, noun: str) -> str:
        per_type = ", ".join(
            f"{name} {count / self.items:.2f}" for name, count in sorted(self.counts.items())
        )
        wall_ms = self.wall * 1000 / self.items
        return (
            f"DynamoDB calls per {noun}: {self.calls:.2f} ({per_type}); the app's own time per "
            f"{noun}: {self.app_ms:.2f} ms (moto's wall time {wall_ms:.2f} ms)"
        )


def measure(calls: Calls, shards: int, turn: Callable[[int], dict[str, Any]], key: str) -> Measured:
    calls.reset()
    items = 0
    started = time.perf_counter()
    for shard in range(shards):
        items += int(turn(shard)[key])
    return Measured(items, dict(calls.counts), time.perf_counter() - started, calls.inside)


def verdict(label: str, capacity: float, need: float) -> bool:
    ratio = capacity / need
    print(f"{label}: {ratio:.2f}x (goal >= {GOAL:g}x; a burst of {ratio:.1f}x the average fits)")
    return ratio >= GOAL


class Instant:
    """A receiver that answers 200 at once (its time is `--receiver-ms`, in the arithmetic)."""

    def post(self, target: Any, body: str, headers: dict[str, str]) -> Any:
        from chalicelib.domain.webhooks import SendOutcome

        return SendOutcome(200, None, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dispatches", nargs="?", type=int, default=40)
    parser.add_argument("per_minute", nargs="?", type=int, default=10_000)
    parser.add_argument("--ms-per-call", type=float, default=10.0)
    parser.add_argument("--receiver-ms", type=float, default=200.0)
    args = parser.parse_args()
    _fake_aws_environment()
    from tests.functional import world

    with world.app_on_moto(STAGE) as app:
        from chalicelib.adapters.dynamodb.outbox import OUTBOX_SHARDS
        from chalicelib.adapters.dynamodb.webhook_deliveries import SHARDS as QUEUE_SHARDS
        from chalicelib.adapters.webhooks.sender import signature_headers
        from chalicelib.domain.events import EVENT_TYPES
        from chalicelib.jobs import outbox, webhooks
        from chalicelib.jobs.registry import JobRequest

        dispatcher = world.Dispatcher.on(app, "Outbox")
        app.webhooks.create(dispatcher.platform, "http://127.0.0.1:9/hook", sorted(EVENT_TYPES))
        for n in range(args.dispatches):
            dispatcher.dispatch(n)

        later = datetime.now(UTC) + timedelta(days=1)  # every event due, leases from the clock
        request = JobRequest(as_of=later.date(), now=later, platform=dispatcher.platform)
        calls = Calls()
        calls.attach(app.dynamodb)
        events_job = outbox.OutboxJob(app.outbox, app.outbox_consumers, app.clock)
        events = measure(
            calls, OUTBOX_SHARDS, lambda s: events_job.work_shard(request, s)[0], "processed"
        )
        store = app.webhook_store
        deliveries_job = webhooks.WebhookDeliveryJob(
            deliveries=store.deliveries,
            events=store.events,
            endpoints=store.endpoints,
            uow=app.unit_of_work,
            secrets=store.secrets,
            guard=store.guard,
            sender=Instant(),
            sign=signature_headers,
            ids=app.ids,
            clock=app.clock,
            per_endpoint=1,  # one at a time: each task's own cost
        )
        deliveries = measure(
            calls, QUEUE_SHARDS, lambda s: deliveries_job.work_shard(request, s)[0], "delivered"
        )
        left = len(app.outbox.due(later, 10, platform=dispatcher.platform))
        left += len(store.deliveries.due(later, 10, platform=dispatcher.platform))

    if not events.items or deliveries.items != events.items or left:
        print(f"FAILED: {events.items} events, {deliveries.items} deliveries, {left} left behind")
        return 1
    budget_ms = outbox.SHARD_BUDGET_SECONDS * 1000
    per_dispatch = events.items / args.dispatches
    per_minute = args.per_minute * per_dispatch
    ms = args.ms_per_call
    print(
        f"{args.dispatches} dispatches (bind, start, complete) on moto: {events.items} outbox "
        f"events ({per_dispatch:.2f} per dispatch), one endpoint taking every one; "
        f"{args.per_minute:,} dispatches a minute make {per_minute:,.0f} events a minute"
    )
    print(
        f"assumed: {ms:g} ms a DynamoDB call, {args.receiver_ms:g} ms a webhook request, "
        f"the app's work on {LAMBDA_CORE:.2f} of a core; a worker has "
        f"{outbox.SHARD_BUDGET_SECONDS:g} s a minute on its shard\n"
    )

    print("outbox: " + events.describe("event"))
    app_ms = events.app_ms / LAMBDA_CORE
    event_ms = events.calls * ms + app_ms
    spacing = max(event_ms / outbox.SHARD_THREADS, app_ms)
    capacity = budget_ms / spacing
    need = per_minute / OUTBOX_SHARDS
    print(
        f"  an event takes {event_ms:.1f} ms; {outbox.SHARD_THREADS} at a time, one every "
        f"{spacing:.1f} ms: {capacity:,.0f} a worker-minute against {need:,.0f} a shard "
        f"({OUTBOX_SHARDS} shards); before the fan-out one run a minute settled at most "
        f"{outbox.BATCH}: {outbox.BATCH / per_minute:.3f}x the platform's events"
    )
    events_ok = verdict("  outbox worker capacity / a shard's events", capacity, need)

    print("webhooks: " + deliveries.describe("delivery"))
    app_ms = deliveries.app_ms / LAMBDA_CORE
    calling_ms = deliveries.calls * ms + app_ms  # lease, log, settle: the calling thread
    spacing = max(calling_ms, args.receiver_ms / webhooks.PER_ENDPOINT)
    capacity = budget_ms / spacing
    need = per_minute / QUEUE_SHARDS
    before = min(webhooks.BATCH, webhooks.BUDGET_SECONDS * 1000 / (args.receiver_ms + calling_ms))
    print(
        f"  a delivery holds the calling thread {calling_ms:.1f} ms and its receiver "
        f"{args.receiver_ms:g} ms, {webhooks.PER_ENDPOINT} at once: one every {spacing:.1f} ms, "
        f"{capacity:,.0f} a worker-minute against {need:,.0f} a shard ({QUEUE_SHARDS} shards); "
        f"before, one round a minute with one sender per endpoint sent at most {before:,.0f}: "
        f"{before / per_minute:.4f}x"
    )
    deliveries_ok = verdict("  delivery worker capacity / a shard's deliveries", capacity, need)
    in_flight = per_minute / 60 * args.receiver_ms / 1000
    print(
        f"  the endpoint: {per_minute / 60:,.0f} requests a second at {args.receiver_ms:g} ms each "
        f"is ~{in_flight:,.0f} at once on average; under a backlog in every shard it gets up to "
        f"{webhooks.PER_ENDPOINT} x {QUEUE_SHARDS} = {webhooks.PER_ENDPOINT * QUEUE_SHARDS}"
    )
    ok = events_ok and deliveries_ok
    print("OK" if ok else "UNDER GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
