"""The transactional outbox: one item per event, written in the transaction of its change.

Keys (docs/data-model.md): `pk = OUTBOX#<shard>` with the shard `crc32(event id) % OUTBOX_SHARDS`,
`sk = <due_at, UTC, fixed width>#<event id>`. Writes spread over the shards so no partition takes
every write; the outbox job reads what is due with one Query per shard (`sk <= now`), never a Scan.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.dynamodb.table import Item, to_attributes
from chalicelib.domain.events import OutboxEvent

OUTBOX_SHARDS = 8
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
        "data": event.data,
        "created_at": instant_key(event.created_at),
        "due_at": instant_key(event.due_at),
        "attempts": event.attempts,
    }


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
        data=dict(item.get("data") or {}),
        created_at=datetime.strptime(str(item["created_at"]), _INSTANT).replace(tzinfo=UTC),
        due_at=datetime.strptime(str(item["due_at"]), _INSTANT).replace(tzinfo=UTC),
        attempts=int(item.get("attempts", 0)),
    )
