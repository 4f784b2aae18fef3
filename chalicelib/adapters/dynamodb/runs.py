"""Fanned-out job runs: one item per run (`RUN#<id>` / `RUN`), progress as atomic counters."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamodb.table import DynamoTable, to_attributes
from chalicelib.jobs.registry import JobRequest

# Runs are kept 30 days, like events.
RUN_TTL_SECONDS = 30 * 24 * 3600
_COUNTERS = ("processed", "skipped", "failed", "shards_done")


def run_key(run_id: str) -> tuple[str, str]:
    return f"RUN#{run_id}", "RUN"


class DynamoRuns:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def start(self, run: str, job: str, request: JobRequest, shards: int, at: datetime) -> None:
        pk, sk = run_key(run)
        self._table.put(
            {
                "pk": pk,
                "sk": sk,
                "id": run,
                "job": job,
                "as_of": request.as_of.isoformat(),
                "now": request.now.isoformat() if request.now else None,
                "platform": request.platform,
                "shards": shards,
                "started_at": at.isoformat(),
                "ttl": int(time.time()) + RUN_TTL_SECONDS,
                **{counter: 0 for counter in _COUNTERS},
            },
            condition="attribute_not_exists(pk)",
        )

    def add(self, run: str, *, processed: int, skipped: int, failed: int, shard_done: bool) -> None:
        pk, sk = run_key(run)
        values = {
            ":processed": processed,
            ":skipped": skipped,
            ":failed": failed,
            ":shards_done": 1 if shard_done else 0,
        }
        self._table.client.update_item(
            TableName=self._table.name,
            Key=to_attributes({"pk": pk, "sk": sk}),
            UpdateExpression="ADD " + ", ".join(f"#{c} :{c}" for c in _COUNTERS),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={f"#{c}": c for c in _COUNTERS},
            ExpressionAttributeValues=to_attributes(values),
        )

    def get(self, run: str) -> dict[str, Any] | None:
        item = self._table.get(*run_key(run))
        if item is None:
            return None
        shards, done = int(item["shards"]), int(item["shards_done"])
        return {
            "id": item["id"],
            "job": item["job"],
            "as_of": item["as_of"],
            "platform": item.get("platform"),
            "status": "completed" if done >= shards else "running",
            "shards": shards,
            "shards_done": min(done, shards),
            "processed": int(item["processed"]),
            "skipped": int(item["skipped"]),
            "failed": int(item["failed"]),
            "started_at": item["started_at"],
        }
