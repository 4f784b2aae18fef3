"""Policies and payments in the single table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.adapters.dynamodb.entities import TenantEntities, item_record, record_item
from chalicelib.adapters.dynamodb.keys import tenant_key
from chalicelib.adapters.dynamodb.ledger import ledger_put
from chalicelib.adapters.dynamodb.table import DynamoTable, to_attributes
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import Page
from chalicelib.domain.policies import Payment, Policy


def policy_item(policy: Policy) -> dict[str, Any]:
    return record_item(
        policy,
        *tenant_key(policy.platform, "POL", policy.id),
        {
            "gsi1pk": f"{policy.platform}#CTR#{policy.contractor}#POL",
            "gsi1sk": policy.id,
            "gsi2pk": f"POL#EXP#{policy.expiration_date.isoformat()}",
            "gsi2sk": f"{policy.platform}#{policy.id}",
        },
    )


def policy_put(policy: Policy, *, expected_version: int | None) -> dict[str, Any]:
    """A Put that creates (no prior item) or replaces the version the caller read."""
    put: dict[str, Any] = {"Item": to_attributes(policy_item(policy))}
    if expected_version is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = to_attributes({":v": expected_version})
    return {"Put": put}


def payment_put(payment: Payment) -> dict[str, Any]:
    item = record_item(
        payment,
        *tenant_key(payment.platform, "PAY", payment.id),
        {"gsi1pk": f"{payment.platform}#POL#{payment.policy}#PAY", "gsi1sk": payment.id},
    )
    return {"Put": {"Item": to_attributes(item), "ConditionExpression": "attribute_not_exists(pk)"}}


class DynamoPolicies:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table
        self._policies = TenantEntities(table, "POL")

    def add_policy(self, policy: Policy, entries: list[LedgerEntry]) -> None:
        """Policy, its term charges, and the claim that binds the quote once: one transaction."""
        claim = {
            "pk": f"{policy.platform}#QTEBOUND",
            "sk": policy.quote,
            "policy": policy.id,
        }
        operations = [
            policy_put(policy, expected_version=None),
            {
                "Put": {
                    "Item": to_attributes(claim),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            *(ledger_put(entry) for entry in entries),
        ]
        try:
            self._table.transact(operations, conflict_message="quote already bound")
        except Conflict as conflict:
            existing = self._table.get(claim["pk"], claim["sk"])
            if existing:
                raise Conflict(
                    f"Quote {policy.quote} is already bound to policy {existing['policy']}.",
                    code="quote_already_bound",
                    details=[
                        {"loc": ["body", "quote"], "msg": "already bound", "id": existing["policy"]}
                    ],
                ) from conflict
            raise

    def get_policy(self, platform_id: str, policy_id: str) -> Policy | None:
        return self._policies.get(platform_id, policy_id, Policy)

    def save_policy(
        self, policy: Policy, *, expected_version: int, extra: Sequence[dict[str, Any]] = ()
    ) -> None:
        """Replace the policy (optimistic lock) together with any other writes that belong."""
        self._table.transact(
            [policy_put(policy, expected_version=expected_version), *extra],
            conflict_message=f"Policy {policy.id} changed meanwhile; retry.",
        )

    def extend_policy(
        self, policy: Policy, *, expected_version: int, entries: Sequence[LedgerEntry]
    ) -> None:
        """New lines on a policy and their term charges, together."""
        self.save_policy(
            policy, expected_version=expected_version, extra=[ledger_put(e) for e in entries]
        )

    def policy_for_quote(self, platform_id: str, quote_id: str) -> str | None:
        """The policy a quote was bound to (its QTEBOUND claim), if any."""
        claim = self._table.get(f"{platform_id}#QTEBOUND", quote_id)
        return str(claim["policy"]) if claim else None

    def record_payment(self, payment: Payment, policy: Policy, *, expected_version: int) -> None:
        self.save_policy(policy, expected_version=expected_version, extra=[payment_put(payment)])

    def policies_of(self, platform_id: str, contractor_id: str) -> list[Policy]:
        items = self._table.query_all(
            partition=("gsi1pk", f"{platform_id}#CTR#{contractor_id}#POL"), index="gsi1"
        )
        return [item_record(item, Policy) for item in items]

    def page(
        self, platform_id: str, contractor_id: str | None, *, limit: int, starting_after: str | None
    ) -> Page[Policy]:
        if contractor_id is None:
            return self._policies.page(
                platform_id, Policy, limit=limit, starting_after=starting_after
            )
        partition = f"{platform_id}#CTR#{contractor_id}#POL"
        start = None
        if starting_after:
            pk, sk = tenant_key(platform_id, "POL", starting_after)
            start = {"pk": pk, "sk": sk, "gsi1pk": partition, "gsi1sk": starting_after}
        answer = self._table.query_page(
            partition=("gsi1pk", partition), index="gsi1", limit=limit, start_key=start
        )
        return Page[Policy](
            items=[item_record(i, Policy) for i in answer.items], has_more=answer.has_more
        )
