"""Recorded events (`GET /v1/events`, 30 days) and the delivery tasks written with them.

Event: `<platform>#EVT` / `evt_…`, gsi1 `<platform>#EVT#<type>` / `evt_…`, TTL `ttl` 30 days
after its creation. IDs sort by creation time, so "since" is a key range and newest first is
`ScanIndexForward=false`. An event is recorded once: its Put (`attribute_not_exists`) and its
delivery tasks are one TransactWriteItems, so a consumer that sees the event again after a crash
finds it recorded and adds no second delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb.keys import tenant_key, tenant_partition
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.adapters.dynamodb.table import (
    DynamoTable,
    Item,
    from_attributes,
    map_client_error,
    to_attributes,
)
from chalicelib.adapters.dynamodb.webhook_deliveries import task_put
from chalicelib.domain.errors import WriteConflict
from chalicelib.domain.ids import make_id
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks.deliveries import EVENT_RETENTION, DeliveryTask, RecordedEvent

KIND = "EVT"
_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"


def type_partition(platform_id: str, event_type: str) -> str:
    return f"{platform_id}#{KIND}#{event_type}"


def event_item(event: RecordedEvent) -> Item:
    pk, sk = tenant_key(event.platform, KIND, event.id)
    return {
        "pk": pk,
        "sk": sk,
        "gsi1pk": type_partition(event.platform, event.type),
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
        item = self._table.get(*tenant_key(platform_id, KIND, event_id))
        return _event(item) if item else None

    def get_many(self, platform_id: str, event_ids: Sequence[str]) -> dict[str, RecordedEvent]:
        keys = [tenant_key(platform_id, KIND, event_id) for event_id in dict.fromkeys(event_ids)]
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
        """Events created at or after `since`, newest first; one Query on the platform's events
        (or, with a type, on that type's gsi1 partition)."""
        low = lowest_event_id(since)
        if starting_after is not None and starting_after <= low:
            return Page[RecordedEvent](items=[], has_more=False)
        if event_type is None:
            partition_key, sort_key, partition = "pk", "sk", tenant_partition(platform_id, KIND)
        else:
            partition_key, sort_key = "gsi1pk", "gsi1sk"
            partition = type_partition(platform_id, event_type)
        request: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "#p = :p AND #s >= :low",
            "ExpressionAttributeNames": {"#p": partition_key, "#s": sort_key},
            "ExpressionAttributeValues": to_attributes({":p": partition, ":low": low}),
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if event_type is not None:
            request["IndexName"] = "gsi1"
        if starting_after is not None:
            pk, sk = tenant_key(platform_id, KIND, starting_after)
            start = {"pk": pk, "sk": sk}
            if event_type is not None:
                start |= {"gsi1pk": partition, "gsi1sk": starting_after}
            request["ExclusiveStartKey"] = to_attributes(start)
        try:
            answer = self._table.client.query(**request)
        except ClientError as exc:
            raise map_client_error(exc, conflict_message="query conflict") from exc
        items = [from_attributes(raw) for raw in answer.get("Items", [])]
        return Page[RecordedEvent](
            items=[_event(item) for item in items[:limit]], has_more=len(items) > limit
        )
