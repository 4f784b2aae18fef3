"""Ledger entries: written only inside the transactions that change what they account for."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamodb.entities import item_record, record_item
from chalicelib.adapters.dynamodb.keys import tenant_key, tenant_partition
from chalicelib.adapters.dynamodb.listing_keys import ledger_listing_keys
from chalicelib.adapters.dynamodb.table import DynamoTable
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import Page

INDEX_BY_FILTER = {"assignment": "gsi1", "policy": "gsi2", "contractor": "gsi3"}


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
    return record_item(entry, *tenant_key(entry.platform, "LED", entry.id), extra)


def _partition(
    platform_id: str, field: str | None, value: str | None
) -> tuple[str | None, str, str]:
    if field is None or value is None:
        return None, "pk", tenant_partition(platform_id, "LED")
    kind = {"assignment": "ASG", "policy": "POL", "contractor": "CTR"}[field]
    index = INDEX_BY_FILTER[field]
    return index, f"{index}pk", f"{platform_id}#{kind}#{value}#LED"


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
        index, pk_name, partition = _partition(platform_id, field, value)
        start = None
        if starting_after:
            start = dict(
                zip(("pk", "sk"), tenant_key(platform_id, "LED", starting_after), strict=True)
            )
            if index:
                start.update({pk_name: partition, f"{index}sk": starting_after})
        answer = self._table.query_page(
            partition=(pk_name, partition), index=index, limit=limit, start_key=start
        )
        return Page[LedgerEntry](
            items=[item_record(item, LedgerEntry) for item in answer.items],
            has_more=answer.has_more,
        )

    def entries(self, platform_id: str, field: str | None, value: str | None) -> list[LedgerEntry]:
        """Every matching entry (all pages), oldest first."""
        index, pk_name, partition = _partition(platform_id, field, value)
        items = self._table.query_all(partition=(pk_name, partition), index=index)
        return [item_record(item, LedgerEntry) for item in items]

    def total_cents(self, platform_id: str, field: str | None, value: str | None) -> int:
        """Sum over every matching entry, not just a page (reads only `amount_cents`)."""
        index, pk_name, partition = _partition(platform_id, field, value)
        items = self._table.query_all(
            partition=(pk_name, partition), index=index, projection="amount_cents"
        )
        return sum(int(item["amount_cents"]) for item in items)
