"""Quotes (tenant-owned) and referrals (worked across platforms by underwriters)."""

from __future__ import annotations

import heapq
from typing import Any

from chalicelib.adapters.dynamodb.entities import TenantEntities, item_record, record_item
from chalicelib.adapters.dynamodb.keys import tenant_key
from chalicelib.adapters.dynamodb.listing_keys import referral_listing_keys
from chalicelib.adapters.dynamodb.table import DynamoTable
from chalicelib.domain.parties import Page
from chalicelib.domain.quotes import Quote, Referral

REFERRAL_STATUSES = ("open", "approved", "declined")


def referral_key(referral_id: str) -> tuple[str, str]:
    return f"REF#{referral_id}", "REF"


def referral_item(referral: Referral) -> dict[str, Any]:
    extra = {
        "gsi2pk": f"REF#STATUS#{referral.status}",
        "gsi2sk": referral.id,
        **referral_listing_keys(referral),
    }
    if referral.quote:
        extra.update(gsi1pk=f"QTE#{referral.quote}#REF", gsi1sk=referral.id)
    elif referral.assignment:
        extra.update(gsi1pk=f"ASG#{referral.assignment}#REF", gsi1sk=referral.id)
    return record_item(referral, *referral_key(referral.id), extra)


def quote_item(quote: Quote) -> dict[str, Any]:
    return record_item(
        quote,
        *tenant_key(quote.platform, "QTE", quote.id),
        {"gsi1pk": f"{quote.platform}#CTR#{quote.contractor}#QTE", "gsi1sk": quote.id},
    )


class DynamoQuotes:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table
        self._quotes = TenantEntities(table, "QTE")

    def get_quote(self, platform_id: str, quote_id: str) -> Quote | None:
        return self._quotes.get(platform_id, quote_id, Quote)

    def get_referral(self, referral_id: str) -> Referral | None:
        item = self._table.get(*referral_key(referral_id))
        return item_record(item, Referral) if item else None

    def list_referrals(
        self,
        status: str | None,
        quote_id: str | None,
        limit: int,
        starting_after: str | None,
        assignment_id: str | None = None,
        platform: str | None = None,
    ) -> Page[Referral]:
        """By quote or assignment (gsi1) or by status (gsi2); with none, the three status lists
        merged. `platform`: only that platform's (its gsi3 partition, or the subject's)."""
        subject = f"QTE#{quote_id}#REF" if quote_id else f"ASG#{assignment_id}#REF"
        if quote_id is not None or assignment_id is not None:
            partitions = [("gsi1", "gsi1pk", "gsi1sk", subject)]
        elif platform is not None:
            partitions = [("gsi3", "gsi3pk", "gsi3sk", f"{platform}#REF")]
        else:
            statuses = [status] if status else list(REFERRAL_STATUSES)
            partitions = [("gsi2", "gsi2pk", "gsi2sk", f"REF#STATUS#{s}") for s in statuses]
        found: list[Referral] = []
        more = False
        for index, pk_name, sk_name, value in partitions:
            start = None
            if starting_after:
                start = {pk_name: value, sk_name: starting_after}
                start.update(dict(zip(("pk", "sk"), referral_key(starting_after), strict=True)))
            page = self._table.query_page(
                partition=(pk_name, value),
                index=index,
                limit=limit,
                start_key=start,
                filter_status=status if index == "gsi3" else None,
            )
            more = more or page.has_more
            found.extend(item_record(item, Referral) for item in page.items)
        if (quote_id is not None or assignment_id is not None or platform is not None) and status:
            found = [r for r in found if r.status == status]
        if platform is not None:
            found = [r for r in found if r.platform == platform]
        newest = heapq.nlargest(limit + 1, found, key=lambda r: r.id)
        return Page[Referral](items=newest[:limit], has_more=more or len(newest) > limit)
