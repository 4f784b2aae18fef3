"""`GET /v1/ledger` at ten times the history: the running totals make it O(1).

    python bench/ledger.py [ENTRIES] [REPEATS]

In-process on moto (with devserver.localaws, as `make run` has it) through chalice's test
client: two platforms in the same tables, one with ENTRIES ledger entries (1x) and one with ten
times as many (10x), each entry of one contractor and one policy, three per assignment. Each
`GET /v1/ledger` (no filter, `contractor=`, `policy=`, `assignment=`; a page of 20 and
`total_cents`) runs REPEATS times on each platform, interleaved after a warm-up (median).

Figures per filter, each at 10x / 1x: the request's wall time (goal <= 1.2), the items it reads
from DynamoDB (goal <= 1.2: a page and the totals items, never the history; the totals are
sharded, up to 64 items for the platform and 16 for a contractor or policy, so a short history
that has not yet written every shard reads a few fewer), and, for information, its time outside
DynamoDB calls. The wall time is the local stack's as much as the app's: devserver.localaws
makes a Query read its page, as DynamoDB does (moto alone sorts the whole partition for each
Query, and its wall ratio grew with the history). For comparison, the total as it was computed
before the running totals (`summed_cents`: a Query of every matching entry), a few runs.
The seeded history is what the unit of work writes: entry items (`ledger_item`) and totals items
summed per transaction by `running_totals`.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import STAGE, _fake_aws_environment  # noqa: E402
from jobs import Reads  # noqa: E402

GOAL = 1.2
SUMMED_REPEATS = 3
FILTERS = ("", "contractor", "policy", "assignment")


def history(platform: str, entries: int) -> list[list[Any]]:
    """The platform's ledger as transactions wrote it: three entries per assignment."""
    from chalicelib.domain.ledger import LedgerEntry

    start = datetime(2026, 1, 1, tzinfo=UTC)
    transactions = []
    for n in range((entries + 2) // 3):
        at = start + timedelta(minutes=n)
        stamp = f"{int(at.timestamp() * 1000):012x}"
        assignment = f"asg_{stamp}{n:014d}"
        transactions.append(
            [
                LedgerEntry(
                    id=f"led_{stamp}{n:012d}{line:02d}",
                    platform=platform,
                    type="premium_estimate",
                    amount_cents=1_000 + 37 * n + line,
                    contractor="ctr_benchledger000000000000",
                    assignment=assignment,
                    policy="pol_benchledger000000000000",
                    line=("wc", "gl", "wc")[line],
                    at=at,
                    memo="bench",
                )
                for line in range(3)
            ]
        )
    return transactions


def seed(client: Any, table: str, transactions: list[list[Any]]) -> None:
    from chalicelib.adapters.dynamodb.ledger import (
        ledger_item,
        platform_total_shard,
        totals_key,
    )
    from chalicelib.adapters.dynamodb.table import to_attributes
    from chalicelib.domain.ledger import running_totals

    items: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], list[int]] = {}
    for entries in transactions:
        items += [ledger_item(entry) for entry in entries]
        shard = platform_total_shard(entries)
        for scope, (cents, count) in running_totals(entries).items():
            summed = totals.setdefault(totals_key(scope, shard), [0, 0])
            summed[0] += cents
            summed[1] += count
    items += [
        {"pk": pk, "sk": sk, "total_cents": cents, "entry_count": count}
        for (pk, sk), (cents, count) in totals.items()
    ]
    for start in range(0, len(items), 25):
        client.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": to_attributes(item)}}
                    for item in items[start : start + 25]
                ]
            }
        )


def timed(action: Callable[[], Any], reads: Reads) -> tuple[float, float, int]:
    """(wall seconds, seconds outside DynamoDB calls, items read) of one action."""
    items, calls = reads.items, len(reads.intervals)
    gc.disable()
    try:
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
    finally:
        gc.enable()
    inside = Reads(intervals=reads.intervals[calls:]).inside_dynamodb()
    return elapsed, elapsed - inside, reads.items - items


def main() -> int:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    env = _fake_aws_environment()
    import boto3
    from moto import mock_aws

    from devserver import localaws

    localaws.install()
    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib import bootstrap
        from devserver.resources import create_resources, stage_names

        bootstrap.reset()
        create_resources(boto3.session.Session(), stage=STAGE, names=stage_names(env))
        container = bootstrap.container()
        reads = Reads()
        reads.attach(container.dynamodb)
        admin = env["JOBCOVER_ADMIN_KEY"]
        with Client(app, stage_name=STAGE, project_dir=str(ROOT)) as client:

            def call(path: str, key: str, body: Any = None) -> Any:
                method = "POST" if body is not None else "GET"
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
                payload = json.dumps(body).encode() if body is not None else b""
                answer = client.http.request(method, path, headers=headers, body=payload)
                assert answer.status_code in {200, 201}, answer.body
                return json.loads(answer.body)

            worlds: dict[str, tuple[str, str, list[list[Any]]]] = {}
            for label, size in (("1x", entries), ("10x", 10 * entries)):
                created = call("/v1/platforms", admin, {"name": f"Ledger {label}"})
                platform, key = created["id"], created["api_key"]
                transactions = history(platform, size)
                seed(container.dynamodb, container.table.name, transactions)
                worlds[label] = (platform, key, transactions)

            def request(label: str, field: str) -> Callable[[], Any]:
                _, key, transactions = worlds[label]
                first = transactions[0][0]
                value = {"contractor": first.contractor, "policy": first.policy}.get(
                    field, first.assignment
                )
                path = f"/v1/ledger?{field}={value}" if field else "/v1/ledger"
                expected = sum(
                    e.amount_cents
                    for t in transactions
                    for e in t
                    if not field or getattr(e, field) == value
                )

                def send() -> None:
                    answer = call(path, key)
                    assert answer["total_cents"] == expected, (answer["total_cents"], expected)

                return send

            def summed(label: str, field: str) -> Callable[[], Any]:
                platform, _, transactions = worlds[label]
                first = transactions[0][0]
                value = getattr(first, field) if field else None
                return lambda: container.ledger.summed_cents(platform, field or None, value)

            times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
            items: dict[tuple[str, str, str], int] = {}
            for round_ in range(repeats + 1):  # a warm-up round first
                for field in FILTERS:
                    for label in ("1x", "10x"):
                        for kind, action in (
                            ("get", request(label, field)),
                            ("summed", summed(label, field)),
                        ):
                            if kind == "summed" and round_ > SUMMED_REPEATS:
                                continue  # the old way, for the record: a few runs suffice
                            elapsed, outside, read = timed(action, reads)
                            if round_:
                                times.setdefault((kind, field, label), []).append(
                                    (elapsed, outside)
                                )
                                items[(kind, field, label)] = read
        bootstrap.reset()

    def med(kind: str, field: str, label: str, clock: int = 0) -> float:
        return statistics.median(run[clock] for run in times[(kind, field, label)])

    print(
        f"GET /v1/ledger (a page of 20 and total_cents), {entries} vs {10 * entries} entries, "
        f"median of {repeats} (in-process, moto with devserver.localaws)"
    )
    print(
        f"{'filter':12}{'items read':>12}{'wall 1x ms':>12}{'10x ms':>9}{'ratio':>8}"
        f"{'outside DynamoDB 1x':>21}{'10x':>7}{'ratio':>8}   before: sum of entries 1x/10x"
    )
    ok = True
    worst_wall = worst_items = 0.0
    for field in FILTERS:
        one, ten = med("get", field, "1x"), med("get", field, "10x")
        app_one, app_ten = med("get", field, "1x", 1), med("get", field, "10x", 1)
        read_one, read_ten = items[("get", field, "1x")], items[("get", field, "10x")]
        worst_wall = max(worst_wall, ten / one)
        worst_items = max(worst_items, read_ten / read_one)
        ok = ok and ten / one <= GOAL and read_ten / read_one <= GOAL
        s_one, s_ten = med("summed", field, "1x"), med("summed", field, "10x")
        print(
            f"{field or '(none)':12}"
            f"{read_one:>6}/{read_ten:<5}"
            f"{one * 1000:12.1f}{ten * 1000:9.1f}{ten / one:7.2f}x"
            f"{app_one * 1000:21.1f}{app_ten * 1000:7.1f}{app_ten / app_one:7.2f}x"
            f"   {s_one * 1000:8.1f} / {s_ten * 1000:8.1f} ms = {s_ten / s_one:5.2f}x"
        )
    print(
        f"\nGET /v1/ledger at 10x history / 1x, worst filter: wall {worst_wall:.2f}x "
        f"(goal <= {GOAL:g}x), items read {worst_items:.2f}x (goal <= {GOAL:g}x)."
    )
    print(
        "  Items read are a page and the totals items (sharded: up to 64 for the platform,\n"
        "  16 for a filter), never the history. Before: the total summed every matching entry\n"
        "  (read, paid and timed in proportion to the history)."
    )
    print("OK" if ok else "OVER GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
