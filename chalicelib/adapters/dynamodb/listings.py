"""Reads by date and place (the portal's filters, usable by any client): each a Query on a known
partition, never a Scan (docs/data-model.md, "Reads by date and place").

- gsi4, by time, one partition per platform, kind and UTC month: an assignment under
  `plt#ASG#MONTH#<yyyy-mm of its window start>` / `<window start>#asg_…`, a ledger entry under
  `plt#LED#MONTH#<yyyy-mm of at>` / `<at>#led_…`. A date range reads its months newest first,
  each with a key range (a month partition spreads a platform's writes over time).
- gsi5, an assignment by work state: `plt#ASG#STATE#<ST>` / `<window start>#asg_…`.
- gsi3, a referral by its platform: `plt#REF` / `ref_…` (quote and status lists are gsi1/gsi2).
- a policy's payments: gsi1 `plt#POL#pol_…#PAY` / `pay_…`.

Other filters (status, contractor, state) narrow the chosen partition with a FilterExpression:
still one partition's Query, read on until the page is full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.dynamodb.entities import item_record
from chalicelib.adapters.dynamodb.keys import assignment_key, tenant_key, tenant_partition
from chalicelib.adapters.dynamodb.ledger import ledger_key
from chalicelib.adapters.dynamodb.listing_keys import month_partition, state_partition
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.adapters.dynamodb.quotes import referral_key
from chalicelib.adapters.dynamodb.table import DynamoTable, Item, map_client_error, to_attributes
from chalicelib.domain.assignments import Assignment
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import Page
from chalicelib.domain.periods import DateRange
from chalicelib.domain.policies import Payment
from chalicelib.domain.quotes import Referral

# `~` sorts after every character of an id or an instant: `<day>~` closes a day's key range.
_END = "~"
_LEDGER_FILTER_INDEX = {"assignment": ("gsi1", "ASG"), "policy": ("gsi2", "POL")}


# -- date ranges -----------------------------------------------------------------------------------
def _low(days: DateRange) -> str:
    """The first day's 00:00 UTC as a sort key."""
    return instant_key(datetime.combine(days.first, time.min, tzinfo=UTC))


def _high(days: DateRange) -> str:
    """The day after the last, as a date: sorts after every instant of the last day."""
    return (days.last + timedelta(days=1)).isoformat()


def _key_range(request: dict[str, Any], sort_name: str, days: DateRange) -> None:
    """Narrow a Query to sort keys from the first day's 00:00 UTC up to (not including) the day
    after the last: instants sort as fixed-width UTC text."""
    request["KeyConditionExpression"] += " AND #sk BETWEEN :low AND :high"
    request["ExpressionAttributeNames"]["#sk"] = sort_name
    request["ExpressionAttributeValues"].update(
        to_attributes({":low": _low(days), ":high": _high(days)})
    )


def _resume(requests: list[dict[str, Any]], cursor: Item) -> None:
    """Start the first request right after the cursor's item: it must sit in that partition
    (a cursor from another list, or outside the dates, is a 422, never a 500)."""
    index = requests[0].get("IndexName") if requests else None
    pk_value = requests[0]["ExpressionAttributeValues"][":p"]["S"] if requests else None
    if index is None or cursor.get(f"{index}pk") != pk_value:
        raise ValidationFailed(
            "starting_after is not an item of this list (other filters or dates).",
            details=[{"loc": ["query", "starting_after"], "msg": "not in this list"}],
        )
    names = ("pk", "sk", f"{index}pk", f"{index}sk")
    requests[0]["ExclusiveStartKey"] = to_attributes({name: cursor[name] for name in names})


# -- filters ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """Attribute equality (dotted paths reach into maps) and a sort-key attribute range."""

    equal: Mapping[str, str]
    attribute_range: tuple[str, DateRange] | None = None

    def apply(self, request: dict[str, Any]) -> None:
        clauses = []
        names: dict[str, str] = request["ExpressionAttributeNames"]
        values: dict[str, Any] = {}
        for n, (path, value) in enumerate(sorted(self.equal.items())):
            parts = []
            for m, part in enumerate(path.split(".")):
                names[f"#f{n}_{m}"] = part
                parts.append(f"#f{n}_{m}")
            clauses.append(f"{'.'.join(parts)} = :f{n}")
            values[f":f{n}"] = value
        if self.attribute_range is not None:
            name, days = self.attribute_range
            names["#rng"] = name
            clauses.append("#rng BETWEEN :rlow AND :rhigh")
            values.update({":rlow": _low(days), ":rhigh": _high(days)})
        if clauses:
            request["FilterExpression"] = " AND ".join(clauses)
            request["ExpressionAttributeValues"].update(to_attributes(values))


class DynamoListings:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    # -- plumbing ----------------------------------------------------------------------------------
    def _request(
        self, index: str | None, pk_name: str, pk_value: str, *, newest_first: bool = True
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": pk_name},
            "ExpressionAttributeValues": to_attributes({":p": pk_value}),
            "ScanIndexForward": not newest_first,
        }
        if index:
            request["IndexName"] = index
        return request

    def _query(self, request: dict[str, Any]) -> tuple[list[Item], Any]:
        try:
            answer = self._table.client.query(**request)
        except (ClientError, BotoCoreError) as exc:
            raise map_client_error(exc, conflict_message="query conflict") from exc
        return answer.get("Items", []), answer.get("LastEvaluatedKey")

    def _collect(
        self, requests: Sequence[dict[str, Any]], limit: int | None
    ) -> tuple[list[Item], bool]:
        """The requests' items in order, following each one's pages, until `limit` + 1 are in
        (None: every item). Returns up to `limit` items and whether there are more."""
        from chalicelib.adapters.dynamodb.table import from_attributes

        found: list[Item] = []
        for request in requests:
            if limit is not None:
                request["Limit"] = limit + 1
            while True:
                raw, last = self._query(request)
                found.extend(from_attributes(item) for item in raw)
                if (limit is not None and len(found) > limit) or not last:
                    break
                request["ExclusiveStartKey"] = last
            if limit is not None and len(found) > limit:
                return found[:limit], True
        return found, False

    # -- assignments -------------------------------------------------------------------------------
    def assignments(
        self,
        platform_id: str,
        *,
        contractor: str | None,
        status: str | None,
        state: str | None,
        days: DateRange | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Assignment]:
        """Filtered by work state and/or window start date (and contractor, status), newest window
        first. By state: gsi5 (a date range is its key range); by date alone: gsi4's months."""
        cursor: Item | None = None
        if starting_after:
            cursor = self._table.get(*assignment_key(platform_id, starting_after))
            if cursor is None:
                raise ValidationFailed(
                    "starting_after is not an assignment of this list.",
                    details=[{"loc": ["query", "starting_after"], "msg": "unknown cursor"}],
                )
        equal = {"status": status, "contractor": contractor}
        requests: list[dict[str, Any]] = []
        if state is not None:
            request = self._request("gsi5", "gsi5pk", state_partition(platform_id, state))
            if days is not None:
                _key_range(request, "gsi5sk", days)
            requests.append(request)
        else:
            if days is None:
                raise ValueError("a listing without state needs a date range")
            for month in days.months_newest_first():
                partition = month_partition(platform_id, "ASG", month)
                if cursor is not None and str(cursor.get("gsi4pk", "")) < partition:
                    continue  # months after the cursor's: already listed
                request = self._request("gsi4", "gsi4pk", partition)
                _key_range(request, "gsi4sk", days)
                requests.append(request)
        for request in requests:
            Filters({k: v for k, v in equal.items() if v is not None}).apply(request)
        if cursor is not None:
            _resume(requests, cursor)
        items, more = self._collect(requests, limit)
        return Page[Assignment](items=[item_record(i, Assignment) for i in items], has_more=more)

    # -- ledger ------------------------------------------------------------------------------------
    def _ledger_requests(
        self,
        platform_id: str,
        field: str | None,
        value: str | None,
        days: DateRange,
        cursor: Item | None,
    ) -> list[dict[str, Any]]:
        if field is not None and value is not None:
            index, kind = _LEDGER_FILTER_INDEX.get(field, ("gsi3", "CTR"))
            request = self._request(index, f"{index}pk", f"{platform_id}#{kind}#{value}#LED")
            Filters({}, ("gsi4sk", days)).apply(request)
            if cursor is not None:
                _resume([request], cursor)
            return [request]
        requests = []
        for month in days.months_newest_first():
            partition = month_partition(platform_id, "LED", month)
            if cursor is not None and str(cursor.get("gsi4pk", "")) < partition:
                continue
            request = self._request("gsi4", "gsi4pk", partition)
            _key_range(request, "gsi4sk", days)
            requests.append(request)
        if cursor is not None:
            _resume(requests, cursor)
        return requests

    def ledger_page(
        self,
        platform_id: str,
        field: str | None,
        value: str | None,
        days: DateRange,
        *,
        limit: int,
        starting_after: str | None,
    ) -> Page[LedgerEntry]:
        """Entries booked within the dates, newest first (with a filter: by entry id)."""
        cursor = None
        if starting_after:
            cursor = self._table.get(*ledger_key(platform_id, starting_after))
            if cursor is None:
                raise ValidationFailed(
                    "starting_after is not a ledger entry of this list.",
                    details=[{"loc": ["query", "starting_after"], "msg": "unknown cursor"}],
                )
        requests = self._ledger_requests(platform_id, field, value, days, cursor)
        items, more = self._collect(requests, limit)
        return Page[LedgerEntry](
            items=[item_record(item, LedgerEntry) for item in items], has_more=more
        )

    def ledger_amounts(
        self, platform_id: str, field: str | None, value: str | None, days: DateRange
    ) -> list[Item]:
        """Every entry within the dates, only `amount_cents`, `contractor` and `gsi4sk` read: the
        totals and summaries sum these (every page, not one)."""
        requests = self._ledger_requests(platform_id, field, value, days, None)
        for request in requests:
            request["ProjectionExpression"] = "amount_cents, contractor, gsi4sk"
        items, _ = self._collect(requests, None)
        return items

    # -- referrals and payments --------------------------------------------------------------------
    def referrals_of_platform(
        self,
        platform_id: str,
        *,
        status: str | None,
        quote: str | None,
        assignment: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Referral]:
        """A platform's own referrals, newest first: its gsi3 list (or a subject's gsi1 list,
        narrowed to the platform)."""
        equal: dict[str, str] = {}
        if quote is not None or assignment is not None:
            subject = f"QTE#{quote}#REF" if quote is not None else f"ASG#{assignment}#REF"
            index, partition = "gsi1", subject
            equal["platform"] = platform_id
        else:
            index, partition = "gsi3", tenant_partition(platform_id, "REF")
        if status is not None:
            equal["status"] = status
        request = self._request(index, f"{index}pk", partition)
        Filters(equal).apply(request)
        if starting_after:
            pk, sk = referral_key(starting_after)
            request["ExclusiveStartKey"] = to_attributes(
                {"pk": pk, "sk": sk, f"{index}pk": partition, f"{index}sk": starting_after}
            )
        items, more = self._collect([request], limit)
        return Page[Referral](items=[item_record(i, Referral) for i in items], has_more=more)

    def payments(
        self, platform_id: str, policy_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Payment]:
        """A policy's payments, newest first (gsi1 `plt#POL#pol#PAY`)."""
        partition = f"{platform_id}#POL#{policy_id}#PAY"
        request = self._request("gsi1", "gsi1pk", partition)
        if starting_after:
            pk, sk = tenant_key(platform_id, "PAY", starting_after)
            request["ExclusiveStartKey"] = to_attributes(
                {"pk": pk, "sk": sk, "gsi1pk": partition, "gsi1sk": starting_after}
            )
        items, more = self._collect([request], limit)
        return Page[Payment](items=[item_record(i, Payment) for i in items], has_more=more)

    def contractor_names(self, platform_id: str, contractor_ids: Sequence[str]) -> dict[str, str]:
        """Legal names by contractor id (BatchGetItem, 100 keys a round)."""
        names: dict[str, str] = {}
        ids = list(dict.fromkeys(contractor_ids))
        for start in range(0, len(ids), 100):
            keys = [tenant_key(platform_id, "CTR", cid) for cid in ids[start : start + 100]]
            for item in self._table.batch_get(keys).values():
                names[str(item["sk"])] = str(item.get("legal_name", ""))
        return names
