"""The transactional outbox: one item per event, written in the transaction of its change.

Keys (docs/data-model.md): `pk = OUTBOX#<shard>` with the shard `crc32(event id) % OUTBOX_SHARDS`,
`sk = <due_at, UTC, fixed width>#<event id>`. Writes spread over the shards so no partition takes
every write; the outbox job reads what is due with one Query per shard (`sk <= now`), never a Scan.

The event's `data` (the object's record at the change) is one string attribute, its compact JSON,
as the event item keeps its `body`: nothing reads inside it but the consumers, and a nested map
of a few kilobytes costs an element per field to write and to parse back (and each of those is
an object of its own in moto, `make run`'s table). Items written as a map still read.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb.table import (
    DynamoTable,
    Item,
    map_client_error,
    to_attributes,
)
from chalicelib.domain.events import OutboxEvent
from chalicelib.ports import OutboxEntry

OUTBOX_SHARDS = 64  # docs/data-model.md, "Capacity": ~4.6 events of ~5 KB per dispatch
_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"


def outbox_shard(event_id: str) -> int:
    return zlib.crc32(event_id.encode()) % OUTBOX_SHARDS


def outbox_partition(shard: int) -> str:
    return f"OUTBOX#{shard:02d}"


def instant_key(at: datetime) -> str:
    """A UTC instant as a fixed-width, lexically sortable string."""
    return at.astimezone(UTC).strftime(_INSTANT)


def outbox_key(event_id: str, due_at: datetime) -> tuple[str, str]:
    return outbox_partition(outbox_shard(event_id)), f"{instant_key(due_at)}#{event_id}"


def outbox_item(event: OutboxEvent) -> Item:
    pk, sk = outbox_key(event.id, event.due_at)
    return {
        "pk": pk,
        "sk": sk,
        "id": event.id,
        "type": event.type,
        "platform": event.platform,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": encode_data(event.data),
        "created_at": instant_key(event.created_at),
        "due_at": instant_key(event.due_at),
        "attempts": event.attempts,
    }


def encode_data(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def decode_data(stored: Any) -> dict[str, Any]:
    """The `data` attribute: its JSON string, or the map an item written before held."""
    if isinstance(stored, str):
        decoded = json.loads(stored)
        return decoded if isinstance(decoded, dict) else {}
    return dict(stored or {})


def outbox_put(event: OutboxEvent) -> dict[str, Any]:
    """A TransactWriteItems Put for a new outbox item."""
    return {
        "Put": {
            "Item": to_attributes(outbox_item(event)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def outbox_event(item: Item) -> OutboxEvent:
    return OutboxEvent(
        id=str(item["id"]),
        type=str(item["type"]),
        platform=str(item["platform"]),
        object_type=str(item["object_type"]),
        object_id=str(item["object_id"]),
        data=decode_data(item.get("data")),
        created_at=datetime.strptime(str(item["created_at"]), _INSTANT).replace(tzinfo=UTC),
        due_at=datetime.strptime(str(item["due_at"]), _INSTANT).replace(tzinfo=UTC),
        attempts=int(item.get("attempts", 0)),
    )


# --- the reader: what the outbox job uses ------------------------------------------------------

# Attributes `outbox_item` writes; anything else on an item (a writer's request id, `handled_by`)
# is carried along untouched when the reader moves the item.
_EVENT_ATTRIBUTES = frozenset(
    {"pk", "sk", "id", "type", "platform", "object_type", "object_id", "data"}
    | {"created_at", "due_at", "attempts", "handled_by"}
)


def _entry(item: Item) -> OutboxEntry:
    return OutboxEntry(
        event=outbox_event(item),
        handled_by=frozenset(str(name) for name in item.get("handled_by") or ()),
        extra={name: value for name, value in item.items() if name not in _EVENT_ATTRIBUTES},
    )


class DynamoOutbox:
    """Reads due outbox items (one Query per shard, the shards concurrently) and settles them.

    `claim` and `retry` move an item to a new due time: Delete (it must still be where it was
    read) + Put at the new key, one TransactWriteItems. Whoever moves or deletes an item first
    wins; the other gets Conflict. `done` deletes it, conditional on existence.
    """

    shards = OUTBOX_SHARDS

    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def due(
        self, now: datetime, limit: int, *, platform: str | None = None, shard: int | None = None
    ) -> list[OutboxEntry]:
        """Up to `limit` items due at `now` (all shards, or one), earliest first (each shard
        read for about twice its share: `DynamoTable.query_due_scatter`)."""
        shards = range(OUTBOX_SHARDS) if shard is None else [shard]
        items = self._table.query_due_scatter(
            partitions=[("pk", outbox_partition(number)) for number in shards],
            sort_key="sk",
            upto=instant_key(now) + "~",
            limit=limit,
            platform=platform,
        )
        return [_entry(item) for item in items]

    def claim(self, entry: OutboxEntry, until: datetime) -> OutboxEntry:
        """Take the item for one attempt: due again at `until` (a lease), attempts + 1."""
        return self._move(entry, until, entry.event.attempts + 1, entry.handled_by)

    def retry(
        self, entry: OutboxEntry, due_at: datetime, *, handled_by: frozenset[str] = frozenset()
    ) -> OutboxEntry:
        """Put a claimed item back for a later attempt (its attempt was counted by the claim)."""
        return self._move(entry, due_at, entry.event.attempts, entry.handled_by | handled_by)

    def done(self, entry: OutboxEntry) -> None:
        """Delete the item; Conflict when it is no longer where it was read."""
        pk, sk = outbox_key(entry.event.id, entry.event.due_at)
        try:
            self._table.client.delete_item(
                TableName=self._table.name,
                Key=to_attributes({"pk": pk, "sk": sk}),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            raise map_client_error(
                exc, conflict_message=f"Outbox event {entry.event.id} was settled meanwhile."
            ) from exc

    def _move(
        self, entry: OutboxEntry, due_at: datetime, attempts: int, handled_by: frozenset[str]
    ) -> OutboxEntry:
        old_pk, old_sk = outbox_key(entry.event.id, entry.event.due_at)
        moved = replace(entry.event, due_at=due_at, attempts=attempts)
        item = {**entry.extra, **outbox_item(moved)}
        if handled_by:
            item["handled_by"] = sorted(handled_by)
        if item["sk"] == old_sk:
            raise ValueError("an outbox item can only move to another due time")
        self._table.transact(
            [
                {
                    "Delete": {
                        "Key": to_attributes({"pk": old_pk, "sk": old_sk}),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "Item": to_attributes(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ],
            conflict_message=f"Outbox event {entry.event.id} was settled meanwhile.",
        )
        return OutboxEntry(event=moved, handled_by=handled_by, extra=entry.extra)
