"""Recorded events (`GET /v1/events`, 30 days) and the delivery tasks written with them.

Event: `<platform>#EVT#nn` / `evt_…`, gsi1 `<platform>#EVT#<type>#nn` / `evt_…`, TTL `ttl` 30
days after its creation; `nn` is one of `EVENT_SHARDS` write shards, picked by the event id
(crc32), so a busy platform's events spread over that many partitions (docs/data-model.md,
"Capacity"). IDs sort by creation time, so "since" is a key range and a page, newest first, is
merged from one Query per shard (`DynamoTable.query_page_scatter`). An event is recorded once:
its Put (`attribute_not_exists`) and its delivery tasks are one TransactWriteItems, so a consumer
that sees the event again after a crash finds it recorded and adds no second delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.dynamodb.keys import shard_of, sharded_key, sharded_partitions
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.adapters.dynamodb.table import (
    DynamoTable,
    Item,
    to_attributes,
)
from chalicelib.adapters.dynamodb.webhook_deliveries import task_put
from chalicelib.domain.errors import WriteConflict
from chalicelib.domain.ids import make_id
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks.deliveries import EVENT_RETENTION, DeliveryTask, RecordedEvent

KIND = "EVT"
EVENT_SHARDS = 16
_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"


def event_key(platform_id: str, event_id: str) -> tuple[str, str]:
    return sharded_key(platform_id, KIND, event_id, EVENT_SHARDS)


def type_partition(platform_id: str, event_type: str, shard: int) -> str:
    return f"{platform_id}#{KIND}#{event_type}#{shard:02d}"


def event_item(event: RecordedEvent) -> Item:
    pk, sk = event_key(event.platform, event.id)
    return {
        "pk": pk,
        "sk": sk,
        "gsi1pk": type_partition(event.platform, event.type, shard_of(event.id, EVENT_SHARDS)),
        "gsi1sk": event.id,
        "id": event.id,
        "type": event.type,
        "platform": event.platform,
        "created_at": instant_key(event.created_at),
        "body": event.body,
        "ttl": int((event.created_at + EVENT_RETENTION).timestamp()),
    }


def _event(item: Item) -> RecordedEvent:
    return RecordedEvent(
        id=str(item["id"]),
        type=str(item["type"]),
        platform=str(item["platform"]),
        created_at=datetime.strptime(str(item["created_at"]), _INSTANT).replace(tzinfo=UTC),
        body=str(item["body"]),
    )


def lowest_event_id(at: datetime) -> str:
    """The smallest event id created at or after `at` (ids start with their millisecond)."""
    return make_id("evt", unix_ms=int(at.timestamp() * 1000), entropy=bytes(10))


class DynamoWebhookEvents:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def record(self, event: RecordedEvent, tasks: Sequence[DeliveryTask]) -> bool:
        """Store the event and its deliveries in one transaction; False when the event was
        recorded before (nothing written)."""
        operations: list[dict[str, Any]] = [
            {
                "Put": {
                    "Item": to_attributes(event_item(event)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        operations.extend(task_put(task) for task in tasks)
        try:
            self._table.transact(operations, conflict_message=f"Event {event.id} was recorded.")
        except WriteConflict as conflict:
            if 0 in conflict.failed:
                return False
            raise
        return True

    def get(self, platform_id: str, event_id: str) -> RecordedEvent | None:
        item = self._table.get(*event_key(platform_id, event_id))
        return _event(item) if item else None

    def get_many(self, platform_id: str, event_ids: Sequence[str]) -> dict[str, RecordedEvent]:
        keys = [event_key(platform_id, event_id) for event_id in dict.fromkeys(event_ids)]
        found: dict[str, RecordedEvent] = {}
        for start in range(0, len(keys), 100):
            for item in self._table.batch_get(keys[start : start + 100]).values():
                event = _event(item)
                found[event.id] = event
        return found

    def page(
        self,
        platform_id: str,
        *,
        event_type: str | None,
        since: datetime,
        limit: int,
        starting_after: str | None,
    ) -> Page[RecordedEvent]:
        """Events created at or after `since`, newest first: one Query per shard of the
        platform's events (or, with a type, of that type's gsi1 partitions), merged."""
        low = lowest_event_id(since)
        if starting_after is not None and starting_after <= low:
            return Page[RecordedEvent](items=[], has_more=False)
        if event_type is None:
            partitions = [("pk", p) for p in sharded_partitions(platform_id, KIND, EVENT_SHARDS)]
            sort_key, index = "sk", None
        else:
            partitions = [
                ("gsi1pk", type_partition(platform_id, event_type, shard))
                for shard in range(EVENT_SHARDS)
            ]
            sort_key, index = "gsi1sk", "gsi1"
        answer = self._table.query_page_scatter(
            partitions=partitions,
            sort_key=sort_key,
            index=index,
            limit=limit,
            before=starting_after,
            at_least=low,
        )
        return Page[RecordedEvent](
            items=[_event(item) for item in answer.items], has_more=answer.has_more
        )
