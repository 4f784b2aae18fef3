"""Outbox throughput: can the `outbox` job keep up with one busy platform's events?

    python bench/outbox.py [DISPATCHES] [DISPATCHES_PER_MINUTE]

Runs DISPATCHES dispatches in-process on moto (stage "test", devserver.localaws as `make run`
has it): bind (WC and GL, a customer with a waiver), start, complete on actuals. Then the
`outbox` job's shard workers (`OutboxJob.work_shard`, what each fanned-out worker runs, here one
event at a time so that each event's own cost can be told apart) settle every event the
dispatches recorded, with every consumer registered (the marker, certificates,
the webhooks consumer's record of each event; no endpoint is subscribed, and each one would add a
delivery task Put per event). Counted via botocore event hooks: the DynamoDB calls per event and
the time per event outside DynamoDB calls (the app's own work, measured).

DynamoDB's own latency is not moto's, so a shard worker's capacity is derived at an assumed
latency per call (`--ms-per-call`, default 10 ms: DynamoDB answers single-item calls in single
digit milliseconds within a region, a transaction in about twice that): a worker settles its
shard for `SHARD_BUDGET_SECONDS` a minute, `SHARD_THREADS` events at a time, while its own work
runs one event at a time (the GIL), on about 0.6 of a core (a 1,024 MB Lambda function; the time
measured here on a whole core is scaled by `LAMBDA_CORE`). Goal: at the busy platform's
rate (default 10,000 dispatches a minute), a shard's events per minute fit in that budget
(capacity / need >= 1). For the record it prints the design before the fan-out: one invocation
a minute of at most `BATCH` events, against the platform's whole event rate.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import STAGE, _fake_aws_environment  # noqa: E402

GOAL = 1.0  # what one worker settles in its minute's budget / a shard's minute of events
LAMBDA_CORE = 1024 / 1769  # a Lambda function gets a whole vCPU at 1,769 MB


class Calls:
    """Every DynamoDB call the app's client makes, with the time inside calls."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.inside = 0.0
        self._started: dict[int, float] = {}
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dispatches", nargs="?", type=int, default=40)
    parser.add_argument("per_minute", nargs="?", type=int, default=10_000)
    parser.add_argument("--ms-per-call", type=float, default=10.0)
    args = parser.parse_args()
    _fake_aws_environment()
    from tests.functional import world

    with world.app_on_moto(STAGE) as app:
        from chalicelib.adapters.dynamodb.outbox import OUTBOX_SHARDS
        from chalicelib.jobs.outbox import BATCH, SHARD_BUDGET_SECONDS, SHARD_THREADS, OutboxJob
        from chalicelib.jobs.registry import JobRequest

        dispatcher = world.Dispatcher.on(app, "Outbox")
        for n in range(args.dispatches):
            dispatcher.dispatch(n)
        platform = dispatcher.platform

        later = datetime.now(UTC) + timedelta(days=1)  # every event due, leases from the clock
        request = JobRequest(as_of=later.date(), now=later, platform=platform)
        job = OutboxJob(app.outbox, app.outbox_consumers, app.clock)  # one event at a time
        calls = Calls()
        calls.attach(app.dynamodb)
        handled = 0
        started = time.perf_counter()
        for shard in range(OUTBOX_SHARDS):
            result, _ = job.work_shard(request, shard)
            handled += int(result["processed"])
        wall = time.perf_counter() - started
        left = len(app.outbox.due(later, 10, platform=platform))

    if not handled or left:
        print(f"FAILED: {handled} events handled, {left} left in the outbox")
        return 1
    events_per_dispatch = handled / args.dispatches
    calls_per_event = sum(calls.counts.values()) / handled
    app_ms = (wall - calls.inside) * 1000 / handled
    lambda_app_ms = app_ms / LAMBDA_CORE
    event_ms = calls_per_event * args.ms_per_call + lambda_app_ms
    # SHARD_THREADS events wait on DynamoDB at once; the app's own work does not overlap.
    spacing_ms = max(event_ms / SHARD_THREADS, lambda_app_ms)
    capacity = SHARD_BUDGET_SECONDS * 1000 / spacing_ms  # events a worker settles a minute
    need = args.per_minute * events_per_dispatch / OUTBOX_SHARDS  # a shard's events a minute
    before = BATCH / (args.per_minute * events_per_dispatch)
    per_type = ", ".join(
        f"{name} {count / handled:.2f}" for name, count in sorted(calls.counts.items())
    )
    print(
        f"{args.dispatches} dispatches (bind, start, complete) on moto: {handled} outbox events, "
        f"{events_per_dispatch:.2f} per dispatch"
    )
    print(f"DynamoDB calls per event: {calls_per_event:.2f} ({per_type})")
    print(
        f"time per event outside DynamoDB calls (the app's work, measured): {app_ms:.2f} ms; "
        f"moto's wall time per event {wall * 1000 / handled:.2f} ms"
    )
    print(
        f"per event at {args.ms_per_call:g} ms a DynamoDB call (assumed) and the app's work on "
        f"{LAMBDA_CORE:.2f} of a core ({lambda_app_ms:.2f} ms): {event_ms:.1f} ms; "
        f"{SHARD_THREADS} at a time, one every {spacing_ms:.1f} ms"
    )
    print(f"so a worker settles {capacity:,.0f} events in its {SHARD_BUDGET_SECONDS:g} s a minute")
    print(
        f"{args.per_minute:,} dispatches a minute: {args.per_minute * events_per_dispatch:,.0f} "
        f"events a minute, {need:,.0f} per shard ({OUTBOX_SHARDS} shards, a worker each)"
    )
    print(
        f"before the fan-out: one run a minute of at most {BATCH} events, "
        f"{before:.3f}x the platform's events"
    )
    ratio = capacity / need
    print(
        f"shard worker capacity / a shard's events: {ratio:.2f}x (goal >= {GOAL:g}x; "
        f"a burst of {ratio:.1f}x the average fits)"
    )
    print("OK" if ratio >= GOAL else "UNDER GOAL")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
