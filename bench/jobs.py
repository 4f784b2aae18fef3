"""Term jobs: items read per due item, and how run time grows with policies that are not due.

    python bench/jobs.py [DUE] [REPEATS]

Runs the `expirations` job in-process on moto (stage "test") over DUE policies whose term ends
on the run's date, next to DUE policies that are not due (base) and next to 10x as many, each
scenario on fresh tables, REPEATS times interleaved after a warm-up (median). It counts every
item the app's DynamoDB client reads (Query items, GetItem and BatchGetItem items) and the time
inside each DynamoDB call, via botocore event hooks.

Figures: items read per due item (goal <= 2: the due index hands over each due record once, and
nothing else is read), the DynamoDB calls per run (the same in both scenarios), and run time with
10x more not-due policies / the base run (goal <= 1.2), both as wall time and as the time outside
DynamoDB calls (wall time minus the time covered by at least one call). moto runs with
devserver.localaws, as `make run` has it: a Query reads its page and a transaction's rollback
copies the items it names, as on DynamoDB (moto alone scans the whole table for a GSI Query and
deep-copies it for every TransactWriteItems, so its wall time grew with the table).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGE = "test"
PLATFORM = "plt_01jobsbench0000000000000000"
AS_OF = date(2027, 6, 1)
ITEMS_GOAL = 2.0
RATIO_GOAL = 1.2


def _environment() -> None:
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    from devserver.resources import stage_environment

    os.environ.update(stage_environment(STAGE))


@dataclass
class Reads:
    """Items read and seconds spent per DynamoDB operation, on one client."""

    items: int = 0
    calls: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    intervals: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inside_dynamodb(self) -> float:
        """Wall time covered by at least one DynamoDB call (concurrent calls count once)."""
        covered, end = 0.0, float("-inf")
        for start, stop in sorted(self.intervals):
            if stop <= end:
                continue
            covered += stop - max(start, end)
            end = stop
        return covered

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._start)
        client.meta.events.register("after-call.dynamodb", self._done)

    def _start(self, context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()

    def _done(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        stopped = time.perf_counter()
        started = context.get("bench_started", stopped)
        elapsed = stopped - started
        read = len(parsed.get("Items", []))
        read += 1 if parsed.get("Item") else 0
        read += sum(len(items) for items in parsed.get("Responses", {}).values())
        with self.lock:
            self.items += read
            self.calls += 1
            self.intervals.append((started, stopped))
            self.seconds[model.name] = self.seconds.get(model.name, 0.0) + elapsed


def policy(n: int, expiration: date) -> Any:
    from chalicelib.domain.policies import Policy, PolicyLine

    now = datetime(2026, 6, 1, tzinfo=UTC)
    line = PolicyLine(
        program="multistate-wc",
        carrier={"name": "Pie Insurance"},
        states=["NJ", "PA"],
        trades=["hvac"],
        per_dispatch=True,
        quoted_state="NJ",
    )
    policy_id = f"pol_{n:026d}"
    return Policy(
        id=policy_id,
        number=f"JC-2026-{n:010d}",
        platform=PLATFORM,
        contractor=f"ctr_{n:026d}",
        quote=f"qte_{n:026d}",
        trade="hvac",
        lines={"wc": line},
        status="active",
        effective_date=expiration - timedelta(days=365),
        expiration_date=expiration,
        auto_renew=False,
        created_at=now,
        updated_at=now,
    )


def seed(client: Any, table: str, due: int, not_due: int) -> None:
    from chalicelib.adapters.dynamodb.policies import policy_item
    from chalicelib.adapters.dynamodb.table import to_attributes

    policies = [policy(n, AS_OF) for n in range(due)]
    policies += [policy(due + n, AS_OF + timedelta(days=30 + n % 300)) for n in range(not_due)]
    for start in range(0, len(policies), 25):
        batch = policies[start : start + 25]
        client.batch_write_item(
            RequestItems={
                table: [{"PutRequest": {"Item": to_attributes(policy_item(p))}} for p in batch]
            }
        )


def scenario(due: int, not_due: int) -> dict[str, float]:
    """One fresh moto world: seed, run `expirations` once, measure."""
    import boto3
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters.dynamodb.due import DynamoDueIndex, DynamoRecords
    from chalicelib.jobs import term
    from chalicelib.jobs.registry import JobRequest
    from devserver import localaws
    from devserver.resources import create_resources, stage_environment, stage_names

    localaws.install()  # moto as `make run` has it: a Query reads its page, a rollback its items
    with mock_aws():
        bootstrap.reset()
        create_resources(
            boto3.session.Session(), stage=STAGE, names=stage_names(stage_environment(STAGE))
        )
        app = bootstrap.container()
        seed(app.dynamodb, app.table.name, due, not_due)
        reads = Reads()
        reads.attach(app.dynamodb)
        # The job as the container builds it, without the admin route's time budget.
        job = term.TermJob(
            "expirations",
            term.expiration(app.term.cancel_upcoming),
            due=DynamoDueIndex(app.table),
            loader=DynamoRecords(app.table),
            uow=app.unit_of_work,
            ids=app.ids,
            clock=app.clock,
            budget_seconds=3600,
        )
        now = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
        # Seeding leaves garbage: collect it before, not in the middle of app code.
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            result = job(JobRequest(as_of=AS_OF, now=now))
            wall = time.perf_counter() - started
        finally:
            gc.enable()
        bootstrap.reset()
    assert result["expired"] == due, result
    return {
        "items_per_due": reads.items / due,
        "calls": reads.calls,
        "wall": wall,
        "inside_dynamodb": reads.inside_dynamodb(),
        "app": wall - reads.inside_dynamodb(),
    }


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> int:
    due = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    _environment()
    scenario(due, due)  # warm-up: imports, pydantic's deferred schemas, boto3 loaders
    base: list[dict[str, float]] = []
    large: list[dict[str, float]] = []
    for _ in range(repeats):  # interleaved, so drift in the machine hits both alike
        base.append(scenario(due, due))
        large.append(scenario(due, 10 * due))
    items = max(median(base, "items_per_due"), median(large, "items_per_due"))
    ratio = median(large, "app") / median(base, "app")
    wall_ratio = median(large, "wall") / median(base, "wall")
    print(f"expirations job, {due} due policies, median of {repeats} (moto, stage {STAGE})")
    print(f"{'':28}{'base':>12}{'10x not due':>14}")
    for key, label in (
        ("items_per_due", "items read per due item"),
        ("calls", "DynamoDB calls"),
        ("app", "run time outside DynamoDB (s)"),
        ("inside_dynamodb", "time inside DynamoDB (s)"),
        ("wall", "wall time (s)"),
    ):
        print(f"{label:28}{median(base, key):12.3f}{median(large, key):14.3f}")
    print()
    print(f"items read per due item     {items:.2f}   (goal <= {ITEMS_GOAL:g})")
    print(f"10x not due / base, wall    {wall_ratio:.2f}x  (goal <= {RATIO_GOAL:g}x)")
    print(f"  outside DynamoDB calls    {ratio:.2f}x  (goal <= {RATIO_GOAL:g}x)")
    ok = items <= ITEMS_GOAL and ratio <= RATIO_GOAL and wall_ratio <= RATIO_GOAL
    print("OK" if ok else "OVER GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
