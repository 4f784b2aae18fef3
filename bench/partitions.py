"""Hot partitions: the write units one busy platform puts on its busiest partition key.

    python bench/partitions.py [DISPATCHES_PER_MINUTE]

Runs dispatches in-process on moto (stage "test"): bind (WC and GL, a customer with a waiver),
start, complete on actuals, and records every item the app writes in its TransactWriteItems.
Each write costs what DynamoDB charges (2 WCU per KB in a transaction, rounded up; an index
entry with projection ALL 1 WCU per KB for the put, and again for the delete when its key
changes); the outbox job's claim (a transactional move) and delete of each event are added, and
the webhooks consumer's record of each event as the platform sees it (the event and its gsi1
entry by type).
Writes are grouped by collection (the partition key without its shard), and at the given rate
(default 10,000 a minute, the issue's busy platform) each collection's load on one of its shards
is printed against a partition's 1,000 WCU/s (goal: under it; the headroom left for a burst is
printed too), next to what the
same collection would put on a single unsharded partition (the design before, for the record).
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import STAGE, _fake_aws_environment  # noqa: E402

PARTITION_WCU = 1_000
GOAL = 1.0  # of a partition's writes, at the average rate (the line)
DISPATCHES = 20


def _size(item: dict[str, Any]) -> int:
    """DynamoDB's item size, near enough: attribute names plus their values' bytes."""
    import json

    return sum(len(name) + len(json.dumps(value, default=str)) for name, value in item.items())


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def collection(pk: str) -> str | None:
    """A platform-wide collection's name (its shard and the platform dropped); None for keys of
    one object, one contractor or one request, which one platform's rate does not concentrate."""
    name = re.sub(r"^plt_[0-9a-z]+#", "plt#", pk)
    name = re.sub(r"#\d{2}$", "", name)
    if name.startswith(("plt#CTR#", "plt#POL#", "plt#ASG#asg_", "REQ#", "plt#WAIVER")):
        return None
    return name


def main() -> int:
    per_minute = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    _fake_aws_environment()
    from tests.functional import world

    with world.app_on_moto(STAGE) as app:
        from chalicelib.adapters.dynamodb.certificates import CERTIFICATE_SHARDS
        from chalicelib.adapters.dynamodb.keys import ASSIGNMENT_SHARDS
        from chalicelib.adapters.dynamodb.ledger import LEDGER_SHARDS, PLATFORM_TOTAL_SHARDS
        from chalicelib.adapters.dynamodb.outbox import OUTBOX_SHARDS
        from chalicelib.adapters.dynamodb.table import from_attributes
        from chalicelib.adapters.dynamodb.webhook_events import EVENT_SHARDS

        dispatcher = world.Dispatcher.on(app, "Partitions")

        wcu: dict[str, float] = defaultdict(float)
        previous_gsi2: dict[str, tuple[str, int]] = {}
        recording_events = False

        def record(params: dict[str, Any], **_: Any) -> None:
            for operation in params["TransactItems"]:
                kind, body = next(iter(operation.items()))
                item = from_attributes(body.get("Item") or body["Key"])
                size = _size(item) if "Item" in body else 100
                name = collection(str(item["pk"]))
                if name:
                    wcu[name] += 2 * _kb(size)
                if recording_events and name == "plt#EVT" and "gsi1pk" in item:
                    event_type = str(item["gsi1pk"]).split("#")[2]
                    wcu[f"gsi1 plt#EVT#{event_type}"] += _kb(size)
                if name == "OUTBOX":  # the outbox job: claim (a transactional move), delete
                    wcu[name] += 2 * _kb(size) * 2 + _kb(size)
                if kind == "Put" and "gsi2pk" in item and str(item["sk"]).startswith("asg_"):
                    index = collection(str(item["gsi2pk"])) or ""
                    before = previous_gsi2.get(str(item["sk"]))
                    if before is None or before[0] != item["gsi2pk"]:
                        status = index.rsplit("#", 1)[-1]
                        wcu[f"gsi2 plt#ASG#STATUS#{status}"] += _kb(size)
                        if before is not None:
                            old = (collection(before[0]) or "").rsplit("#", 1)[-1]
                            wcu[f"gsi2 plt#ASG#STATUS#{old}"] += before[1]
                    previous_gsi2[str(item["sk"])] = (str(item["gsi2pk"]), _kb(size))

        app.dynamodb.meta.events.register(
            "provide-client-params.dynamodb.TransactWriteItems", record
        )
        for n in range(DISPATCHES):
            dispatcher.dispatch(n)
        # The webhooks consumer records each outbox event as the platform sees it (an event
        # item and its gsi1 entry by type); no endpoint is subscribed, so no delivery tasks.
        recording_events = True
        later = datetime.now(UTC) + timedelta(days=1)
        for entry in app.outbox.due(later, 10_000, platform=dispatcher.platform):
            app.webhook_events.handle(entry.event)

    shards = {
        "plt#ASG": ASSIGNMENT_SHARDS,
        "plt#ASGEXT": ASSIGNMENT_SHARDS,
        "plt#LED": LEDGER_SHARDS,
        "plt#LEDTOTAL": PLATFORM_TOTAL_SHARDS,
        "OUTBOX": OUTBOX_SHARDS,
        "plt#EVT": EVENT_SHARDS,
        "plt#CRT": CERTIFICATE_SHARDS,
    }
    rate = per_minute / 60
    print(
        f"{per_minute:,} dispatches a minute on one platform (bind, start, complete), "
        f"WCU per dispatch from {DISPATCHES} dispatches on moto"
    )
    print(
        f"{'collection':34}{'WCU/dispatch':>13}{'unsharded WCU/s':>17}{'shards':>8}"
        f"{'per shard':>11}{'of 1,000':>10}"
    )
    worst = 0.0
    for name, units in sorted(wcu.items(), key=lambda pair: -pair[1]):
        per_dispatch = units / DISPATCHES
        count = shards.get(name, 1)
        if name.startswith("gsi2"):
            count = ASSIGNMENT_SHARDS
        elif name.startswith("gsi1 plt#EVT#"):
            count = EVENT_SHARDS
        per_shard = rate * per_dispatch / count
        worst = max(worst, per_shard / PARTITION_WCU)
        print(
            f"{name:34}{per_dispatch:13.1f}{rate * per_dispatch:17,.0f}{count:8}"
            f"{per_shard:11,.0f}{per_shard / PARTITION_WCU:9.2f}x"
        )
    print(
        f"\nbusiest shard / a partition's 1,000 WCU/s: {worst:.2f}x "
        f"(goal <= {GOAL:g}x at the average rate; a burst of {1 / worst:.1f}x the average fits)"
    )
    print("OK" if worst <= GOAL else "OVER GOAL")
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
