"""A Query reads the partition it names, as on DynamoDB, not the whole table.

moto's `Table.query` starts from `all_items()`, every item of the table sorted, and filters it by
the key condition: each Query costs O(n log n) in the table's size. Here a Query starts from its
candidates instead (moto's own filter, sort, paging and projection then run unchanged on them):
on the table or a local index, the items under the hash key; on a global index, the items a map
of that index's hash-key values names. The map lives beside each table, is built on the table's
first GSI Query, and follows every write: `Table.put_item` and `Table.delete_item` (every create,
replace and delete passes there, batches and PartiQL included), the in-place edits of
`DynamoDBBackend.update_item`, and transaction rollbacks (`rollback.Before.restore`). A table
whose items or indexes were replaced wholesale (a restore, UpdateTable) rebuilds its map. A
candidate list may hold more than the key condition selects, never less: moto filters it.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from devserver.localaws.patching import SetAttr

ItemKey = tuple[DynamoType, DynamoType | None]
KEY_TYPES = frozenset({"S", "N", "B"})  # the only types a key attribute can have
PATCHED = "jobcover_partitioned"

_query_scope = threading.local()  # this thread's running Query: (table, its candidates)


def gsi_hash_attributes(table: Table) -> dict[str, str]:
    """Each global index with a single hash-key attribute, by name."""
    attributes: dict[str, str] = {}
    for index in table.global_indexes or []:
        hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
        if len(hashes) == 1:
            attributes[index.name] = hashes[0]
    return attributes


def partitions_of(table: Table) -> Any:
    """moto's item store: hash key -> item, or hash key -> range key -> item."""
    return table.items


def stored(table: Table, key: ItemKey) -> Item | None:
    """The item under a primary key (without creating moto's empty partitions on the way)."""
    hash_key, range_key = key
    partition = partitions_of(table).get(hash_key)
    if partition is None or range_key is None:
        return partition  # type: ignore[no-any-return]
    return partition.get(range_key)  # type: ignore[no-any-return]


def items_of(table: Table) -> Iterable[Item]:
    for partition in partitions_of(table).values():
        yield from partition.values() if table.range_key_attr else [partition]


class GlobalIndexMap:
    """For each GSI of one table: hash-key value -> primary keys of the items carrying it."""

    def __init__(self, table: Table) -> None:
        self.items = table.items
        self.attributes = gsi_hash_attributes(table)
        self.keys: dict[str, defaultdict[DynamoType, set[ItemKey]]] = {
            name: defaultdict(set) for name in self.attributes
        }
        self.entries: dict[ItemKey, list[tuple[str, DynamoType]]] = {}
        for item in items_of(table):
            self.add(item)

    def describes(self, table: Table) -> bool:
        return self.items is table.items and self.attributes == gsi_hash_attributes(table)

    def add(self, item: Item) -> None:
        key = (item.hash_key, item.range_key)
        entries = [
            (name, item.attrs[attribute])
            for name, attribute in self.attributes.items()
            if attribute in item.attrs and item.attrs[attribute].type in KEY_TYPES
        ]
        for name, value in entries:
            self.keys[name][value].add(key)
        if entries:
            self.entries[key] = entries

    def discard(self, key: ItemKey) -> None:
        for name, value in self.entries.pop(key, []):
            keys = self.keys[name].get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.keys[name][value]

    def candidates(self, table: Table, index_name: str, value: DynamoType) -> list[Item]:
        keys = self.keys[index_name].get(value, set())
        return [item for item in (stored(table, key) for key in keys) if item is not None]


_maps: weakref.WeakKeyDictionary[Table, GlobalIndexMap] = weakref.WeakKeyDictionary()
_maps_lock = threading.Lock()


def index_map(table: Table) -> GlobalIndexMap:
    with _maps_lock:
        current = _maps.get(table)
        if current is None or not current.describes(table):
            current = _maps[table] = GlobalIndexMap(table)
        return current


def reindex(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    """Follow a write to one item (if the table has a map yet; else its first Query builds it)."""
    with _maps_lock:
        current = _maps.get(table)
        if current is None:
            return
        if not current.describes(table):
            del _maps[table]
            return
        key = (hash_key, range_key)
        current.discard(key)
        item = stored(table, key)
        if item is not None:
            current.add(item)


def candidates(table: Table, bound: inspect.BoundArguments) -> list[Item] | None:
    """The items a Query must look at; None: no shortcut applies, moto reads every item."""
    arguments = bound.arguments
    index_name = arguments.get("index_name")
    if index_name is None:
        hash_key = arguments.get("hash_key")
        return None if hash_key is None else partition_items(table, hash_key)
    conditions = dict(arguments.get("hash_key_conditions") or [])
    if any(index.name == index_name for index in table.indexes or []):  # local: same partition
        value = conditions.get(table.hash_key_attr)
        return None if value is None else partition_items(table, value)
    attribute = gsi_hash_attributes(table).get(index_name)
    if attribute is None or attribute not in conditions:
        return None
    return index_map(table).candidates(table, index_name, conditions[attribute])


def partition_items(table: Table, hash_key: DynamoType) -> list[Item]:
    partition = partitions_of(table).get(hash_key)
    if partition is None:
        return []
    return list(partition.values()) if table.range_key_attr else [partition]


def partitioned_query(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def query(table: Table, *args: Any, **kwargs: Any) -> Any:
        shortcut = candidates(table, signature.bind(table, *args, **kwargs))
        if shortcut is None:
            return original(table, *args, **kwargs)
        _query_scope.candidates = (table, shortcut)
        try:
            return original(table, *args, **kwargs)
        finally:
            _query_scope.candidates = None

    return query


def scoped_all_items(original: Callable[[Table], list[Item]]) -> Callable[[Table], list[Item]]:
    def all_items(table: Table) -> list[Item]:
        scoped = getattr(_query_scope, "candidates", None)
        if scoped is not None and scoped[0] is table:
            _query_scope.candidates = None  # once: the Query's own read
            return list(scoped[1])
        return original(table)

    return all_items


def following_put(original: Callable[..., Item]) -> Callable[..., Item]:
    def put_item(table: Table, *args: Any, **kwargs: Any) -> Item:
        item = original(table, *args, **kwargs)
        reindex(table, item.hash_key, item.range_key)
        return item

    return put_item


def following_delete(original: Callable[..., Item | None]) -> Callable[..., Item | None]:
    def delete_item(
        table: Table, hash_key: DynamoType, range_key: DynamoType | None
    ) -> Item | None:
        try:
            return original(table, hash_key, range_key)
        finally:
            reindex(table, hash_key, range_key)

    return delete_item


def following_update(original: Callable[..., Item]) -> Callable[..., Item]:
    def update_item(backend: DynamoDBBackend, table_name: str, key: Any, *a: Any, **k: Any) -> Item:
        try:
            return original(backend, table_name, key, *a, **k)
        finally:
            table = backend.tables.get(table_name)
            if table is not None:
                with contextlib.suppress(Exception):  # a key moto refused: nothing written
                    hash_key = DynamoType(key[table.hash_key_attr])
                    range_attribute = table.range_key_attr
                    range_key = DynamoType(key[range_attribute]) if range_attribute else None
                    reindex(table, hash_key, range_key)

    return update_item


_PATCHES: tuple[tuple[Any, str, Callable[[Any], Any]], ...] = (
    (Table, "query", partitioned_query),
    (Table, "all_items", scoped_all_items),
    (Table, "put_item", following_put),
    (Table, "delete_item", following_delete),
    (DynamoDBBackend, "update_item", following_update),
)


def install_partitioned_queries(set_attribute: SetAttr = setattr) -> None:
    """Patch moto so a Query costs what its partition holds. Idempotent."""
    if getattr(Table.query, PATCHED, False):
        return
    for owner, name, wrap in _PATCHES:
        wrapped = wrap(getattr(owner, name))
        setattr(wrapped, PATCHED, True)
        set_attribute(owner, name, wrapped)
