"""A Query reads what DynamoDB reads: its page of its partition, not the table.

moto's `Table.query` starts from `all_items()`, every item of the table sorted, keeps those under
the key condition, sorts them again and walks to the page: O(n log n) in the table's size per
Query, however small the page. Here a Query starts from its candidates instead, and moto's own
walk, filter, paging and projection run unchanged on them. The candidates are what DynamoDB
would read: the partition's items (the table's, or a global index's hash-key value's) between
the key condition's bounds, after the ExclusiveStartKey, as many as the Limit, and the item after
those (so that moto ends the page and sets LastEvaluatedKey exactly as it would over the whole
table). They are found by bisection in an order kept beside each table, moto's own sort order:
per table partition its range keys; per global index and hash-key value, the index's sort
attributes as moto sorts them (index range key, table hash key, table range key).

The orders are built on the table's first Query and follow every write: `Table.put_item` and
`Table.delete_item` (every create, replace and delete passes there, batches and PartiQL
included), the in-place edits of `DynamoDBBackend.update_item`, and transaction rollbacks
(`rollback.Before.restore`). A table whose items or indexes were replaced wholesale (a restore,
UpdateTable) rebuilds them. Candidates may hold more than the key condition selects, never less:
moto filters them. A Query the orders cannot serve (a local index, multi-attribute keys, a
condition moto would refuse) reads every item, as moto does.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

from devserver.localaws.patching import SetAttr

ItemKey = tuple[DynamoType, DynamoType | None]
SortKey = tuple[DynamoType, ...]
Entry = tuple[SortKey, ItemKey]  # an item's place in an order, and its primary key
KEY_TYPES = frozenset({"S", "N", "B"})  # the only types a key attribute can have
PATCHED = "jobcover_partitioned"

_query_scope = threading.local()  # this thread's running Query: (table, its candidates)


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


@dataclass(frozen=True)
class IndexShape:
    """A global index with one hash-key attribute: what moto sorts its partitions by."""

    hash_attribute: str
    sort_attributes: tuple[str, ...]  # after the hash key, in moto's order
    has_range: bool


def index_shapes(table: Table) -> dict[str, IndexShape]:
    """Each global index with single-attribute keys, by name, sorted as moto's Query sorts it."""
    shapes: dict[str, IndexShape] = {}
    for index in table.global_indexes or []:
        hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
        ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
        if len(hashes) != 1 or len(ranges) > 1:
            continue
        if ranges:
            range_attributes: list[str | None] = [ranges[0], table.range_key_attr]
        else:  # moto's Query: the table's range key (else its hash key) stands in
            range_attributes = [table.range_key_attr or table.hash_key_attr, table.range_key_attr]
        order = table._generate_attr_to_sort_by([hashes[0], table.hash_key_attr], range_attributes)
        shapes[index.name] = IndexShape(hashes[0], tuple(order[1:]), bool(ranges))
    return shapes


def key_value(item: Item, attribute: str) -> DynamoType | None:
    value = item.attrs.get(attribute)
    return value if value is not None and value.type in KEY_TYPES else None


class Order:
    """One partition's entries, sorted by sort key (unique: it ends with the primary key)."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def insert(self, entry: Entry) -> None:
        at = bisect_left(self.entries, entry[0], key=sort_key)
        if at == len(self.entries) or self.entries[at][0] != entry[0]:
            self.entries.insert(at, entry)

    def remove(self, entry: Entry) -> None:
        at = bisect_left(self.entries, entry[0], key=sort_key)
        if at < len(self.entries) and self.entries[at][0] == entry[0]:
            del self.entries[at]


def sort_key(entry: Entry) -> SortKey:
    return entry[0]


def first_key(entry: Entry) -> DynamoType:
    return entry[0][0]


class TableOrders:
    """moto's Query order for every partition of one table and of its global indexes."""

    def __init__(self, table: Table) -> None:
        self.items = table.items
        self.range_attribute = table.range_key_attr
        self.shapes = index_shapes(table)
        self.partitions: defaultdict[DynamoType, Order] = defaultdict(Order)
        self.groups: dict[str, defaultdict[DynamoType, Order]] = {
            name: defaultdict(Order) for name in self.shapes
        }
        self.placed: dict[ItemKey, list[tuple[Order, Entry]]] = {}
        for item in items_of(table):
            self.add(item, sort=False)
        for order in self.all_orders():
            order.entries.sort(key=sort_key)

    def describes(self, table: Table) -> bool:
        return self.items is table.items and self.shapes == index_shapes(table)

    def all_orders(self) -> Iterable[Order]:
        yield from self.partitions.values()
        for group in self.groups.values():
            yield from group.values()

    def add(self, item: Item, *, sort: bool = True) -> None:
        key: ItemKey = (item.hash_key, item.range_key)
        placements: list[tuple[Order, Entry]] = []
        if self.range_attribute is not None and item.range_key is not None:
            placements.append((self.partitions[item.hash_key], ((item.range_key,), key)))
        for name, shape in self.shapes.items():
            hash_value = key_value(item, shape.hash_attribute)
            values = [key_value(item, attribute) for attribute in shape.sort_attributes]
            if hash_value is None or any(value is None for value in values):
                continue  # not in the index (DynamoDB indexes items with every key attribute)
            entry = (tuple(value for value in values if value is not None), key)
            placements.append((self.groups[name][hash_value], entry))
        for order, entry in placements:
            if sort:
                order.insert(entry)
            else:
                order.entries.append(entry)
        if placements:
            self.placed[key] = placements

    def discard(self, key: ItemKey) -> None:
        for order, entry in self.placed.pop(key, []):
            order.remove(entry)

    def order_for(self, arguments: dict[str, Any]) -> tuple[Order, tuple[str, ...]] | None:
        """The order a Query reads and the attributes it is sorted by; None: moto reads all."""
        index_name = arguments.get("index_name")
        if index_name is None:
            hash_key = arguments.get("hash_key")
            if hash_key is None or self.range_attribute is None:
                return None
            return self.partitions.get(hash_key, Order()), (self.range_attribute,)
        shape = self.shapes.get(index_name)
        conditions = arguments.get("hash_key_conditions") or []
        if shape is None or len(conditions) != 1 or conditions[0][0] != shape.hash_attribute:
            return None
        if len(arguments.get("range_key_conditions") or []) > 1:
            return None
        if arguments.get("range_comparison") and not shape.has_range:
            return None  # moto refuses it
        order = self.groups[index_name].get(conditions[0][1], Order())
        return order, shape.sort_attributes


def block(entries: list[Entry], comparison: str | None, values: list[DynamoType]) -> range:
    """The positions a key condition selects: one run of the order, found by bisection."""
    end = len(entries)
    if not comparison:
        return range(end)

    def before(value: DynamoType) -> int:
        return bisect_left(entries, value, key=first_key)

    def through(value: DynamoType) -> int:
        return bisect_right(entries, value, key=first_key)

    if comparison in ("EQ", "="):
        return range(before(values[0]), through(values[0]))
    if comparison in ("LT", "<"):
        return range(0, before(values[0]))
    if comparison in ("LE", "<="):
        return range(0, through(values[0]))
    if comparison in ("GT", ">"):
        return range(through(values[0]), end)
    if comparison in ("GE", ">="):
        return range(before(values[0]), end)
    if comparison == "BETWEEN":
        return range(before(values[0]), max(before(values[0]), through(values[1])))
    if comparison == "BEGINS_WITH":
        prefix = values[0].cast_value

        def past_prefix(entry: Entry) -> bool:  # False, then True, along the order
            value = first_key(entry)
            return not (value < values[0] or value.cast_value.startswith(prefix))

        return range(before(values[0]), bisect_left(entries, True, key=past_prefix))
    return range(end)  # a comparison DynamoDB does not allow on a key: moto answers it


def page_of(
    order: Order, table: Table, arguments: dict[str, Any], sorted_by: tuple[str, ...]
) -> list[Item]:
    """The items a Query's page is read from, and the one after them (moto ends a page on it)."""
    entries = order.entries
    selected = block(entries, arguments.get("range_comparison"), arguments.get("range_objs") or [])
    start, stop = selected.start, selected.stop
    forward = arguments.get("scan_index_forward") is not False
    after = start_key(arguments.get("exclusive_start_key"), sorted_by)
    if after is not None and forward:
        start = max(start, bisect_right(entries, after, key=sort_key))
    elif after is not None:
        stop = min(stop, bisect_left(entries, after, key=sort_key))
    limit = arguments.get("limit")
    if not isinstance(limit, int) or limit < 1 or arguments.get("filter_kwargs"):
        chosen = entries[start:stop]
    elif forward:
        chosen = entries[start : min(stop, start + limit) + 1]
    else:
        chosen = entries[max(max(start, stop - limit) - 1, 0) : stop]
    found = (stored(table, key) for _, key in chosen)
    return [item for item in found if item is not None]


def start_key(key: dict[str, Any] | None, sorted_by: tuple[str, ...]) -> SortKey | None:
    """An ExclusiveStartKey's place in the order (None: none, or it lacks an attribute)."""
    if not key or any(attribute not in key for attribute in sorted_by):
        return None
    return tuple(DynamoType(key[attribute]) for attribute in sorted_by)


_orders: weakref.WeakKeyDictionary[Table, TableOrders] = weakref.WeakKeyDictionary()
_orders_lock = threading.Lock()


def orders_of(table: Table) -> TableOrders:
    with _orders_lock:
        current = _orders.get(table)
        if current is None or not current.describes(table):
            current = _orders[table] = TableOrders(table)
        return current


def reindex(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    """Follow a write to one item (once the table has orders; its first Query builds them)."""
    with _orders_lock:
        current = _orders.get(table)
        if current is None:
            return
        if not current.describes(table):
            del _orders[table]
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
    if index_name is None and table.range_key_attr is None:
        hash_key = arguments.get("hash_key")
        return None if hash_key is None else partition_items(table, hash_key)
    if index_name is not None and not any(
        isinstance(index, GlobalSecondaryIndex) and index.name == index_name
        for index in table.global_indexes or []
    ):
        return None  # a local index (or an unknown one: moto's error)
    orders = orders_of(table)
    with _orders_lock:
        found = orders.order_for(arguments)
        if found is None:
            return None
        order, sorted_by = found
        return page_of(order, table, arguments, sorted_by)


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
    """Patch moto so a Query costs what its page holds. Idempotent."""
    if getattr(Table.query, PATCHED, False):
        return
    for owner, name, wrap in _PATCHES:
        wrapped = wrap(getattr(owner, name))
        setattr(wrapped, PATCHED, True)
        set_attribute(owner, name, wrapped)
