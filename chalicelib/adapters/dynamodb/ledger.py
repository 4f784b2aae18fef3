"""Ledger entries and their running totals: written only inside the transactions that change what
they account for (the unit of work puts each entry once and ADDs it to its totals items).

Keys (docs/data-model.md): an entry is `pk = <platform>#LED#<crc32(id) % LEDGER_SHARDS>`,
`sk = led_…`, with gsi1/gsi2/gsi3 by assignment, policy and contractor. A totals item holds
`total_cents` and `entry_count` for one `GET /v1/ledger` filter, `sk = TOTAL`: an assignment's is
one item, `<platform>#ASG#<id>#LEDTOTAL` (its transactions are serialised by its version
anyway); a contractor's or policy's is split over `FILTER_TOTAL_SHARDS` items
`<platform>#<CTR|POL>#<id>#LEDTOTAL#<nn>` and the platform's over `PLATFORM_TOTAL_SHARDS` items
`<platform>#LEDTOTAL#<nn>`. A transaction adds to one shard of each (its first entry's id picks
it), so concurrent transactions of a busy platform or contractor rarely touch the same item (a
transaction meeting an item in another's flight is cancelled: TransactionConflict); a total is
one BatchGetItem of its shards.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from chalicelib.adapters.dynamodb.entities import item_record, record_item
from chalicelib.adapters.dynamodb.keys import (
    sharded_key,
    sharded_partitions,
)
from chalicelib.adapters.dynamodb.listing_keys import ledger_listing_keys
from chalicelib.adapters.dynamodb.table import DynamoTable, Item, to_attributes
from chalicelib.domain.ledger import LedgerEntry, TotalScope, running_totals
from chalicelib.domain.parties import Page

INDEX_BY_FILTER = {"assignment": "gsi1", "policy": "gsi2", "contractor": "gsi3"}
KIND_BY_FILTER = {"assignment": "ASG", "policy": "POL", "contractor": "CTR"}
LEDGER_SHARDS = 8
PLATFORM_TOTAL_SHARDS = 64
FILTER_TOTAL_SHARDS = 16  # divides PLATFORM_TOTAL_SHARDS: a transaction's shard picks both
TOTALS_SK = "TOTAL"


def ledger_key(platform_id: str, entry_id: str) -> tuple[str, str]:
    return sharded_key(platform_id, "LED", entry_id, LEDGER_SHARDS)


def ledger_item(entry: LedgerEntry) -> dict[str, Any]:
    """A new entry's item (the unit of work puts it once: append-only)."""
    extra: dict[str, Any] = {
        "gsi3pk": f"{entry.platform}#CTR#{entry.contractor}#LED",
        "gsi3sk": entry.id,
        **ledger_listing_keys(entry),
    }
    if entry.assignment:
        extra.update(gsi1pk=f"{entry.platform}#ASG#{entry.assignment}#LED", gsi1sk=entry.id)
    if entry.policy:
        extra.update(gsi2pk=f"{entry.platform}#POL#{entry.policy}#LED", gsi2sk=entry.id)
    return record_item(entry, *ledger_key(entry.platform, entry.id), extra)


def totals_key(scope: TotalScope, shard: int = 0) -> tuple[str, str]:
    """The totals item of a filter that a transaction of shard `shard` adds to."""
    platform_id, field, value = scope
    if field is None:
        return f"{platform_id}#LEDTOTAL#{shard % PLATFORM_TOTAL_SHARDS:02d}", TOTALS_SK
    partition = f"{platform_id}#{KIND_BY_FILTER[field]}#{value}#LEDTOTAL"
    if field == "assignment":
        return partition, TOTALS_SK
    return f"{partition}#{shard % FILTER_TOTAL_SHARDS:02d}", TOTALS_SK


def totals_keys(scope: TotalScope) -> list[tuple[str, str]]:
    """Every item a filter's running total is split over."""
    _, field, _ = scope
    shards = {None: PLATFORM_TOTAL_SHARDS, "assignment": 1}.get(field, FILTER_TOTAL_SHARDS)
    return [totals_key(scope, shard) for shard in range(shards)]


def platform_total_shard(entries: Iterable[LedgerEntry]) -> int:
    """Which totals shard a transaction adds to (its first entry's id decides)."""
    first = next(iter(entries), None)
    return zlib.crc32(first.id.encode()) % PLATFORM_TOTAL_SHARDS if first else 0


def totals_updates(entries: list[LedgerEntry], writer: str) -> list[dict[str, Any]]:
    """One `ADD` per totals item the entries of a transaction count toward (an item appears once
    in a TransactWriteItems, so the entries' amounts are summed per item first)."""
    shard = platform_total_shard(entries)
    updates = []
    for scope, (cents, count) in running_totals(entries).items():
        pk, sk = totals_key(scope, shard)
        updates.append(
            {
                "Update": {
                    "Key": to_attributes({"pk": pk, "sk": sk}),
                    "UpdateExpression": "ADD total_cents :c, entry_count :n SET request_id = :w",
                    "ExpressionAttributeValues": to_attributes(
                        {":c": cents, ":n": count, ":w": writer}
                    ),
                }
            }
        )
    return updates


def _partition(platform_id: str, field: str, value: str) -> tuple[str, str, str]:
    """A filter's partition: (index, its partition key attribute, value)."""
    index = INDEX_BY_FILTER[field]
    return index, f"{index}pk", f"{platform_id}#{KIND_BY_FILTER[field]}#{value}#LED"


def _records(items: Iterable[Item]) -> list[LedgerEntry]:
    return [item_record(item, LedgerEntry) for item in items]


class DynamoLedger:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def page(
        self,
        platform_id: str,
        field: str | None,
        value: str | None,
        *,
        limit: int,
        starting_after: str | None,
    ) -> Page[LedgerEntry]:
        """Newest first: a Query on the filter's index partition, or without a filter one
        Query per shard of the platform's entries, merged."""
        if field is None or value is None:
            shards = sharded_partitions(platform_id, "LED", LEDGER_SHARDS)
            answer = self._table.query_page_scatter(
                partitions=[("pk", shard) for shard in shards],
                sort_key="sk",
                limit=limit,
                before=starting_after,
            )
        else:
            index, pk_name, partition = _partition(platform_id, field, value)
            answer = self._table.query_page_scatter(
                partitions=[(pk_name, partition)],
                sort_key=f"{index}sk",
                index=index,
                limit=limit,
                before=starting_after,
            )
        return Page[LedgerEntry](items=_records(answer.items), has_more=answer.has_more)

    def entries(self, platform_id: str, field: str | None, value: str | None) -> list[LedgerEntry]:
        """Every matching entry (all pages), oldest first."""
        if field is None or value is None:
            items = [
                item
                for partition in sharded_partitions(platform_id, "LED", LEDGER_SHARDS)
                for item in self._table.query_all(partition=("pk", partition))
            ]
            return sorted(_records(items), key=lambda entry: entry.id)
        index, pk_name, partition = _partition(platform_id, field, value)
        return _records(self._table.query_all(partition=(pk_name, partition), index=index))

    def total_cents(self, platform_id: str, field: str | None, value: str | None) -> int:
        """The sum of every matching entry, read from its running total (one BatchGetItem of
        the total's shards), not from the entries."""
        scope: TotalScope = (platform_id, field, value) if value else (platform_id, None, None)
        found = self._table.batch_get(totals_keys(scope))
        return sum(int(item["total_cents"]) for item in found.values())

    def entry_count(self, scope: TotalScope) -> int:
        """How many entries a running total has counted."""
        return sum(
            int(item["entry_count"]) for item in self._table.batch_get(totals_keys(scope)).values()
        )

    def summed_cents(self, platform_id: str, field: str | None, value: str | None) -> int:
        """The same sum the slow way, over the entries themselves (audits and tests compare the
        two; a date-range total, which no running total holds, is a Query of its range)."""
        return sum(entry.amount_cents for entry in self.entries(platform_id, field, value))
