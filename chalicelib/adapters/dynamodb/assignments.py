"""Assignments: one read round to bind, one TransactWriteItems to write everything a bind writes."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.adapters.dynamodb.entities import TenantEntities, item_record, record_item
from chalicelib.adapters.dynamodb.keys import tenant_key
from chalicelib.adapters.dynamodb.ledger import ledger_put
from chalicelib.adapters.dynamodb.quotes import referral_put
from chalicelib.adapters.dynamodb.table import DynamoTable, to_attributes
from chalicelib.domain.assignments import Assignment, WaiverClaim, duplicate_external_id
from chalicelib.domain.errors import WriteConflict
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import Contractor, Customer, Page
from chalicelib.domain.policies import Policy
from chalicelib.domain.quotes import Referral
from chalicelib.ports import BindContext

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bind-read")


def external_id_key(platform_id: str, external_id: str) -> tuple[str, str]:
    return f"{platform_id}#ASGEXT", external_id


def waiver_key(platform_id: str, contractor: str, customer: str, line: str) -> tuple[str, str]:
    """One item per (contractor, customer, line); one attribute per policy term that booked it."""
    return f"{platform_id}#WAIVER", f"{contractor}#{customer}#{line}"


def claim_key(claim: WaiverClaim) -> tuple[str, str]:
    return waiver_key(claim.platform, claim.contractor, claim.customer, claim.line)


def assignment_item(assignment: Assignment) -> dict[str, Any]:
    return record_item(
        assignment,
        *tenant_key(assignment.platform, "ASG", assignment.id),
        {
            "gsi1pk": f"{assignment.platform}#CTR#{assignment.contractor}#ASG",
            "gsi1sk": assignment.id,
            "gsi2pk": f"{assignment.platform}#ASG#STATUS#{assignment.status}",
            "gsi2sk": assignment.id,
        },
    )


def _attribute(policy_id: str) -> str:
    return f"term_{policy_id}"


class DynamoAssignments:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table
        self._assignments = TenantEntities(table, "ASG")

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
        found = self._table.batch_get(keys)
        policies = [item_record(item, Policy) for item in policies_future.result()]
        contractor = found.get(keys[0])
        claim = found.get(keys[1])
        customer = found.get(keys[2]) if customer_id else None
        booked: dict[tuple[str, str], str] = {}
        if customer_id:
            for line in lines:
                item = found.get(waiver_key(platform_id, contractor_id, customer_id, line), {})
                booked.update(
                    {
                        (line, name[5:]): str(holder)
                        for name, holder in item.items()
                        if name.startswith("term_")
                    }
                )
        return BindContext(
            contractor=item_record(contractor, Contractor) if contractor else None,
            customer=item_record(customer, Customer) if customer else None,
            existing_assignment=str(claim["assignment"]) if claim else None,
            policies=policies,
            waivers_booked=booked,
        )

    def create(
        self,
        assignment: Assignment,
        entries: Sequence[LedgerEntry],
        waivers: Sequence[WaiverClaim],
        referral: Referral | None = None,
    ) -> None:
        """Assignment + external-id claim + ledger entries + waiver claims (+ the referral it
        opens), all or nothing."""
        claim_pk, claim_sk = external_id_key(assignment.platform, assignment.external_id)
        claim = {"pk": claim_pk, "sk": claim_sk, "assignment": assignment.id}
        operations: list[dict[str, Any]] = [
            {
                "Put": {
                    "Item": to_attributes(claim),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "Item": to_attributes(assignment_item(assignment)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            *(self._take_waiver(waiver, assignment.id) for waiver in waivers),
            *(ledger_put(entry) for entry in entries),
            *([referral_put(referral)] if referral else []),
        ]
        try:
            self._table.transact(operations, conflict_message="bind conflict")
        except WriteConflict as conflict:
            if 0 in conflict.failed:
                existing = self._table.get(claim_pk, claim_sk)
                raise duplicate_external_id(
                    assignment.external_id, str(existing["assignment"]) if existing else None
                ) from conflict
            raise

    def save(
        self,
        assignment: Assignment,
        *,
        expected_version: int,
        entries: Sequence[LedgerEntry] = (),
        release: Sequence[WaiverClaim] = (),
        take: Sequence[WaiverClaim] = (),
        referral: Referral | None = None,
    ) -> None:
        """A state change: the new assignment (optimistic lock) and its ledger entries together."""
        operations: list[dict[str, Any]] = [
            {
                "Put": {
                    "Item": to_attributes(assignment_item(assignment)),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": to_attributes({":v": expected_version}),
                }
            },
            *(self._release_waiver(waiver, assignment.id) for waiver in release),
            *(self._take_waiver(waiver, assignment.id) for waiver in take),
            *(ledger_put(entry) for entry in entries),
            *([referral_put(referral)] if referral else []),
        ]
        self._table.transact(
            operations, conflict_message=f"Assignment {assignment.id} changed meanwhile; retry."
        )

    def _take_waiver(self, waiver: WaiverClaim, assignment_id: str) -> dict[str, Any]:
        pk, sk = claim_key(waiver)
        return {
            "Update": {
                "Key": to_attributes({"pk": pk, "sk": sk}),
                "UpdateExpression": "SET #t = :a",
                "ConditionExpression": "attribute_not_exists(#t)",
                "ExpressionAttributeNames": {"#t": _attribute(waiver.policy)},
                "ExpressionAttributeValues": to_attributes({":a": assignment_id}),
            }
        }

    def _release_waiver(self, waiver: WaiverClaim, assignment_id: str) -> dict[str, Any]:
        pk, sk = claim_key(waiver)
        return {
            "Update": {
                "Key": to_attributes({"pk": pk, "sk": sk}),
                "UpdateExpression": "REMOVE #t",
                "ConditionExpression": "#t = :a",
                "ExpressionAttributeNames": {"#t": _attribute(waiver.policy)},
                "ExpressionAttributeValues": to_attributes({":a": assignment_id}),
            }
        }

    def get(self, platform_id: str, assignment_id: str) -> Assignment | None:
        return self._assignments.get(platform_id, assignment_id, Assignment)

    def page(
        self,
        platform_id: str,
        *,
        contractor: str | None,
        status: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Assignment]:
        pk, sk = tenant_key(platform_id, "ASG", starting_after or "")
        if contractor is not None:
            partition = ("gsi1pk", f"{platform_id}#CTR#{contractor}#ASG")
            index: str | None = "gsi1"
        elif status is not None:
            partition = ("gsi2pk", f"{platform_id}#ASG#STATUS#{status}")
            index = "gsi2"
        else:
            return self._assignments.page(
                platform_id, Assignment, limit=limit, starting_after=starting_after
            )
        start = None
        if starting_after:
            start = {"pk": pk, "sk": sk, partition[0]: partition[1], f"{index}sk": starting_after}
        answer = self._table.query_page(
            partition=partition,
            index=index,
            limit=limit,
            start_key=start,
            filter_status=status if contractor is not None else None,
        )
        return Page[Assignment](
            items=[item_record(item, Assignment) for item in answer.items],
            has_more=answer.has_more,
        )
