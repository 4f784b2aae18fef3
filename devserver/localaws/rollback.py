"""A transaction's rollback costs what the transaction touches, not the tables it touches.

moto's `transact_write_items` starts with `copy.deepcopy(table)` for every table an entry names,
and on failure puts the copies back. Here the module's `copy` keeps Tables as they are (that
backup is the only Table moto's backend module ever deep-copies), and a wrapper snapshots the
items the entries name before moto runs, and puts exactly those back if it raises. moto's own
checks (conditions, one operation per item, validation) run unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.dynamodb import models as backend_module
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from devserver.localaws import partitions
from devserver.localaws.patching import SetAttr

TransactWrite = Callable[[DynamoDBBackend, list[dict[str, Any]]], None]
MAX_ENTRIES = 100  # moto refuses more before writing anything


class CopyKeepingTables:
    """`copy` as moto's DynamoDB backend module sees it: a Table's deep copy is the Table."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


@dataclass(frozen=True)
class Before:
    """One item as it was before a transaction (None: absent), and its table's stream length."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None
    stream_records: int

    def restore(self) -> None:
        items = partitions.partitions_of(self.table)
        if self.range_key is not None:
            if self.item is not None:
                items[self.hash_key][self.range_key] = self.item
            elif self.hash_key in items:
                items[self.hash_key].pop(self.range_key, None)
        elif self.item is not None:
            items[self.hash_key] = self.item
        else:
            items.pop(self.hash_key, None)
        if self.table.stream_shard is not None:
            del self.table.stream_shard.items[self.stream_records :]
        partitions.reindex(self.table, self.hash_key, self.range_key)


def before(backend: DynamoDBBackend, entry: dict[str, Any]) -> Before | None:
    """The item one transaction entry names, as it is now; None when the entry names no valid
    key (moto then cancels the whole transaction, and writes nothing for that entry)."""
    try:
        ((kind, operation),) = entry.items()
        table: Table = backend.tables[operation["TableName"]]
        attributes = operation["Item"] if kind == "Put" else operation["Key"]
        hash_key = DynamoType(attributes[table.hash_key_attr])
        range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
        current = table.get_item(hash_key, range_key)
    except Exception:  # malformed: moto reports it
        return None
    records = len(table.stream_shard.items) if table.stream_shard is not None else 0
    return Before(table, hash_key, range_key, copy.deepcopy(current), records)


def rollback_per_item(original: TransactWrite) -> TransactWrite:
    """Wrap moto's `transact_write_items`: snapshot the named items, restore them on failure."""

    def transact_write_items(backend: DynamoDBBackend, entries: list[dict[str, Any]]) -> None:
        snapshots = [before(backend, entry) for entry in entries[:MAX_ENTRIES]]
        try:
            original(backend, entries)
        except BaseException:
            for snapshot in reversed(snapshots):
                if snapshot is not None:
                    snapshot.restore()
            raise

    return transact_write_items


def install_item_rollback(set_attribute: SetAttr = setattr) -> None:
    """Patch moto so a transaction's rollback costs what it touches. Idempotent."""
    if isinstance(getattr(backend_module, "copy", None), CopyKeepingTables):
        return
    set_attribute(backend_module, "copy", CopyKeepingTables())
    set_attribute(
        DynamoDBBackend,
        "transact_write_items",
        rollback_per_item(DynamoDBBackend.transact_write_items),
    )
