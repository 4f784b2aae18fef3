"""Delivery tasks due by time, and the log of delivery attempts.

Task: `WHQ#<shard 00-63>` (`crc32(whd_…) % 64`) / `<due instant>#whd_…`, like the outbox: "what
is due now" is one Query per shard (`sk <= <now>~`), 16 at a time, never a Scan; a fanned-out
delivery worker reads its own shard.
Taking a task for an attempt moves it to `now + lease` (Delete at the read key + Put at the new
one, one transaction), so two overlapping runs never send it twice and a run that dies only
delays it; after the attempt it moves to its retry time or is deleted.

Attempt: `<platform>#WHA#<whe_…>#<shard 00-07>` (`crc32(wha_…) % 8`) / `wha_…`, TTL 30 days; an
endpoint's attempts are listed newest first, one Query per shard, merged. A busy platform's one
endpoint takes an attempt per event (~700 a second at 10,000 dispatches a minute): one
partition would run at 0.7 of its writes before any retry (docs/data-model.md, "Capacity").
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb.keys import sharded_key, sharded_partitions
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.adapters.dynamodb.table import (
    DynamoTable,
    Item,
    map_client_error,
    to_attributes,
)
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks.deliveries import (
    ATTEMPT_RETENTION,
    DeliveryAttempt,
    DeliveryTask,
)

SHARDS = 64  # one fanned-out delivery worker each (docs/data-model.md, "Capacity")
ATTEMPT_SHARDS = 8  # an endpoint's attempt log (docs/data-model.md, "Capacity")
_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _instant(text: Any) -> datetime:
    return datetime.strptime(str(text), _INSTANT).replace(tzinfo=UTC)


def task_key(task_id: str, due_at: datetime) -> tuple[str, str]:
    shard = zlib.crc32(task_id.encode()) % SHARDS
    return f"WHQ#{shard:02d}", f"{instant_key(due_at)}#{task_id}"


def task_item(task: DeliveryTask) -> Item:
    pk, sk = task_key(task.id, task.due_at)
    return {
        "pk": pk,
        "sk": sk,
        "id": task.id,
        "platform": task.platform,
        "endpoint": task.endpoint,
        "event": task.event,
        "event_type": task.event_type,
        "created_at": instant_key(task.created_at),
        "due_at": instant_key(task.due_at),
        "attempts": task.attempts,
    }


def task_put(task: DeliveryTask) -> dict[str, Any]:
    """A TransactWriteItems Put of a new task."""
    return {
        "Put": {
            "Item": to_attributes(task_item(task)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _task(item: Item) -> DeliveryTask:
    return DeliveryTask(
        id=str(item["id"]),
        platform=str(item["platform"]),
        endpoint=str(item["endpoint"]),
        event=str(item["event"]),
        event_type=str(item["event_type"]),
        created_at=_instant(item["created_at"]),
        due_at=_instant(item["due_at"]),
        attempts=int(item.get("attempts", 0)),
    )


def attempt_kind(endpoint_id: str) -> str:
    return f"WHA#{endpoint_id}"


def attempt_item(attempt: DeliveryAttempt) -> Item:
    pk, _ = sharded_key(
        attempt.platform, attempt_kind(attempt.endpoint), attempt.id, ATTEMPT_SHARDS
    )
    return {
        "pk": pk,
        "sk": attempt.id,
        "id": attempt.id,
        "platform": attempt.platform,
        "endpoint": attempt.endpoint,
        "delivery": attempt.delivery,
        "event": attempt.event,
        "event_type": attempt.event_type,
        "attempt": attempt.attempt,
        "status": attempt.status,
        "delivery_status": attempt.delivery_status,
        "response_code": attempt.response_code,
        "error": attempt.error,
        "latency_ms": attempt.latency_ms,
        "next_retry_at": instant_key(attempt.next_retry_at) if attempt.next_retry_at else None,
        "created_at": instant_key(attempt.created_at),
        "ttl": int((attempt.created_at + ATTEMPT_RETENTION).timestamp()),
    }


def _attempt(item: Item) -> DeliveryAttempt:
    retry = item.get("next_retry_at")
    code = item.get("response_code")
    return DeliveryAttempt(
        id=str(item["id"]),
        platform=str(item["platform"]),
        endpoint=str(item["endpoint"]),
        delivery=str(item["delivery"]),
        event=str(item["event"]),
        event_type=str(item["event_type"]),
        attempt=int(item["attempt"]),
        status=item["status"],
        delivery_status=item["delivery_status"],
        response_code=int(code) if code is not None else None,
        error=str(item["error"]) if item.get("error") is not None else None,
        latency_ms=int(item["latency_ms"]),
        next_retry_at=_instant(retry) if retry else None,
        created_at=_instant(item["created_at"]),
    )


class DynamoDeliveries:
    """The task queue and the attempt log."""

    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    # -- tasks -----------------------------------------------------------------------------
    def enqueue(self, tasks: list[DeliveryTask]) -> None:
        for start in range(0, len(tasks), 100):
            self._table.transact(
                [task_put(task) for task in tasks[start : start + 100]],
                conflict_message="delivery already queued",
            )

    shards = SHARDS

    def due(
        self, now: datetime, limit: int, *, platform: str | None = None, shard: int | None = None
    ) -> list[DeliveryTask]:
        """Up to `limit` tasks due at `now` (all shards, or one), earliest first (each shard
        read for about twice its share: `DynamoTable.query_due_scatter`)."""
        shards = range(SHARDS) if shard is None else [shard]
        items = self._table.query_due_scatter(
            partitions=[("pk", f"WHQ#{number:02d}") for number in shards],
            sort_key="sk",
            upto=instant_key(now) + "~",
            limit=limit,
            platform=platform,
        )
        return [_task(item) for item in items]

    def move(self, task: DeliveryTask, due_at: datetime, *, attempts: int) -> DeliveryTask:
        """Move a task to a new due time (a lease, or its next attempt); Conflict when another
        run moved or settled it first."""
        old_pk, old_sk = task_key(task.id, task.due_at)
        moved = replace(task, due_at=due_at, attempts=attempts)
        if task_key(moved.id, moved.due_at) == (old_pk, old_sk):
            raise ValueError("a delivery task can only move to another due time")
        self._table.transact(
            [
                {
                    "Delete": {
                        "Key": to_attributes({"pk": old_pk, "sk": old_sk}),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                task_put(moved),
            ],
            conflict_message=f"Delivery {task.id} was settled meanwhile.",
        )
        return moved

    def done(self, task: DeliveryTask) -> None:
        """Remove a task (delivered, failed for good, or its endpoint is gone)."""
        pk, sk = task_key(task.id, task.due_at)
        try:
            self._table.client.delete_item(
                TableName=self._table.name,
                Key=to_attributes({"pk": pk, "sk": sk}),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            raise map_client_error(
                exc, conflict_message=f"Delivery {task.id} was settled meanwhile."
            ) from exc

    # -- attempts --------------------------------------------------------------------------
    def log(self, attempt: DeliveryAttempt) -> None:
        self._table.put(attempt_item(attempt), condition="attribute_not_exists(pk)")

    def attempts(
        self, platform_id: str, endpoint_id: str, *, limit: int, starting_after: str | None
    ) -> Page[DeliveryAttempt]:
        """Newest first: one Query per shard of the endpoint's attempt log, merged."""
        partitions = sharded_partitions(platform_id, attempt_kind(endpoint_id), ATTEMPT_SHARDS)
        answer = self._table.query_page_scatter(
            partitions=[("pk", partition) for partition in partitions],
            sort_key="sk",
            limit=limit,
            before=starting_after,
        )
        return Page[DeliveryAttempt](
            items=[_attempt(item) for item in answer.items], has_more=answer.has_more
        )
