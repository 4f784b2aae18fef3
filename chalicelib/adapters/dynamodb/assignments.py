"""Assignments: one read round to bind; the unit of work writes what a bind writes."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamodb.due import assignment_due_attributes
from chalicelib.adapters.dynamodb.entities import item_record, record_item
from chalicelib.adapters.dynamodb.keys import (
    ASSIGNMENT_SHARDS,
    assignment_key,
    shard_of,
    sharded_key,
    sharded_partition,
    sharded_partitions,
    tenant_key,
)
from chalicelib.adapters.dynamodb.listing_keys import assignment_listing_keys
from chalicelib.adapters.dynamodb.outbox import instant_key
from chalicelib.adapters.dynamodb.table import DynamoTable
from chalicelib.domain.assignments import NOT_STARTED, Assignment, BindContext
from chalicelib.domain.parties import Contractor, Customer, Page
from chalicelib.domain.policies import Policy
from chalicelib.domain.waivers import CustomerWaivers, WaiverKey

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bind-read")


def status_partition(platform_id: str, status: str, shard: int) -> str:
    """gsi2: one shard of a platform's assignments in one status."""
    return sharded_partition(platform_id, f"ASG#STATUS#{status}", shard)


def external_id_key(platform_id: str, external_id: str) -> tuple[str, str]:
    return sharded_key(platform_id, "ASGEXT", external_id, ASSIGNMENT_SHARDS)


def waiver_key(platform_id: str, contractor: str, customer: str, line: str) -> tuple[str, str]:
    """One waiver account per (contractor, customer, line), holding each policy term's."""
    return f"{platform_id}#WAIVER", f"{contractor}#{customer}#{line}"


def waivers_item(account: CustomerWaivers) -> dict[str, Any]:
    return record_item(
        account, *waiver_key(account.platform, account.contractor, account.customer, account.line)
    )


def assignment_item(assignment: Assignment) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "gsi1pk": f"{assignment.platform}#CTR#{assignment.contractor}#ASG",
        "gsi1sk": assignment.id,
        "gsi2pk": status_partition(
            assignment.platform, assignment.status, shard_of(assignment.id, ASSIGNMENT_SHARDS)
        ),
        "gsi2sk": assignment.id,
        **assignment_due_attributes(assignment),
        **assignment_listing_keys(assignment),
    }
    if assignment.status in NOT_STARTED:
        # Sparse: a contractor's jobs yet to start, by window start (a policy cancellation reads
        # the ones starting on or after its date, not the contractor's history).
        extra.update(
            gsi3pk=upcoming_partition(assignment.platform, assignment.contractor),
            gsi3sk=f"{instant_key(assignment.window.start)}#{assignment.id}",
        )
    return record_item(assignment, *assignment_key(assignment.platform, assignment.id), extra)


def upcoming_partition(platform_id: str, contractor_id: str) -> str:
    return f"{platform_id}#CTR#{contractor_id}#UPCOMING"


class DynamoAssignments:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def load_bind_context(
        self,
        platform_id: str,
        contractor_id: str,
        customer_id: str | None,
        external_id: str,
        lines: Sequence[str],
    ) -> BindContext:
        """One read round: a BatchGetItem and the contractor's policies Query, concurrently."""
        keys = [
            tenant_key(platform_id, "CTR", contractor_id),
            external_id_key(platform_id, external_id),
        ]
        if customer_id:
            keys.append(tenant_key(platform_id, "CUS", customer_id))
            keys += [waiver_key(platform_id, contractor_id, customer_id, line) for line in lines]
        policies_future = _POOL.submit(
            self._table.query_all,
            partition=("gsi1pk", f"{platform_id}#CTR#{contractor_id}#POL"),
            index="gsi1",
        )
        try:
            found = self._table.batch_get(keys)
        except Exception:
            wait([policies_future])  # no read outlives its request
            raise
        policies = [item_record(item, Policy) for item in policies_future.result()]
        contractor = found.get(keys[0])
        claim = found.get(keys[1])
        customer = found.get(keys[2]) if customer_id else None
        waivers: dict[str, CustomerWaivers] = {}
        if customer_id:
            for line in lines:
                item = found.get(waiver_key(platform_id, contractor_id, customer_id, line))
                if item:
                    waivers[line] = item_record(item, CustomerWaivers)
        return BindContext(
            contractor=item_record(contractor, Contractor) if contractor else None,
            customer=item_record(customer, Customer) if customer else None,
            existing_assignment=str(claim["assignment"]) if claim else None,
            policies=policies,
            waivers=waivers,
        )

    def load_waivers(
        self, platform_id: str, contractor_id: str, keys: Sequence[WaiverKey]
    ) -> dict[WaiverKey, CustomerWaivers]:
        """The contractor's waiver accounts for these (customer, line) pairs (one BatchGetItem)."""
        if not keys:
            return {}
        wanted = {waiver_key(platform_id, contractor_id, *key): key for key in keys}
        found = self._table.batch_get(list(wanted))
        return {
            key: item_record(found[k], CustomerWaivers) for k, key in wanted.items() if k in found
        }

    def get(self, platform_id: str, assignment_id: str) -> Assignment | None:
        item = self._table.get(*assignment_key(platform_id, assignment_id))
        return item_record(item, Assignment) if item else None

    def upcoming(
        self, platform_id: str, contractor_id: str, starting: datetime
    ) -> list[Assignment]:
        """The contractor's jobs not yet started whose window starts at or after `starting`."""
        items = self._table.query_all(
            partition=("gsi3pk", upcoming_partition(platform_id, contractor_id)),
            index="gsi3",
            sort_from=instant_key(starting),
        )
        return [item_record(item, Assignment) for item in items]

    def page(
        self,
        platform_id: str,
        *,
        contractor: str | None,
        status: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Assignment]:
        if contractor is None:
            # The platform's assignments (in one status, or all): one Query per shard, merged.
            if status is None:
                index: str | None = None
                pk_name, sk_name = "pk", "sk"
                partitions = sharded_partitions(platform_id, "ASG", ASSIGNMENT_SHARDS)
            else:
                index, pk_name, sk_name = "gsi2", "gsi2pk", "gsi2sk"
                partitions = [
                    status_partition(platform_id, status, shard)
                    for shard in range(ASSIGNMENT_SHARDS)
                ]
            answer = self._table.query_page_scatter(
                partitions=[(pk_name, partition) for partition in partitions],
                sort_key=sk_name,
                index=index,
                limit=limit,
                before=starting_after,
            )
        else:
            partition = ("gsi1pk", f"{platform_id}#CTR#{contractor}#ASG")
            start = None
            if starting_after:
                pk, sk = assignment_key(platform_id, starting_after)
                start = {"pk": pk, "sk": sk, partition[0]: partition[1], "gsi1sk": starting_after}
            answer = self._table.query_page(
                partition=partition,
                index="gsi1",
                limit=limit,
                start_key=start,
                filter_status=status,
            )
        return Page[Assignment](
            items=[item_record(item, Assignment) for item in answer.items],
            has_more=answer.has_more,
        )
