"""Policies and payments in the single table."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamodb.due import policy_due_attributes
from chalicelib.adapters.dynamodb.entities import TenantEntities, item_record, record_item
from chalicelib.adapters.dynamodb.keys import tenant_key
from chalicelib.adapters.dynamodb.table import DynamoTable
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
            # Underwriters and admins address a policy by id alone (cancel, reinstate, audit).
            "gsi3pk": policy_directory_key(policy.id),
            "gsi3sk": "POL",
            **policy_due_attributes(policy),
        },
    )


def policy_directory_key(policy_id: str) -> str:
    return f"POL#{policy_id}"


def quote_claim_key(platform_id: str, quote_id: str) -> tuple[str, str]:
    """The claim that binds a quote once: it names the policy bound from it."""
    return f"{platform_id}#QTEBOUND", quote_id


def payment_item(payment: Payment) -> dict[str, Any]:
    return record_item(
        payment,
        *tenant_key(payment.platform, "PAY", payment.id),
        {"gsi1pk": f"{payment.platform}#POL#{payment.policy}#PAY", "gsi1sk": payment.id},
    )


class DynamoPolicies:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table
        self._policies = TenantEntities(table, "POL")

    def get_policy(self, platform_id: str, policy_id: str) -> Policy | None:
        return self._policies.get(platform_id, policy_id, Policy)

    def find_policy(self, policy_id: str) -> Policy | None:
        """Any platform's policy by id (underwriter, admin): the gsi3 directory entry names
        its platform, then a consistent GetItem reads it."""
        items = self._table.query_all(
            partition=("gsi3pk", policy_directory_key(policy_id)),
            index="gsi3",
            projection="#platform",
            names={"#platform": "platform"},
        )
        if not items:
            return None
        return self.get_policy(str(items[0]["platform"]), policy_id)

    def policy_for_quote(self, platform_id: str, quote_id: str) -> str | None:
        """The policy a quote was bound to (its QTEBOUND claim), if any."""
        claim = self._table.get(*quote_claim_key(platform_id, quote_id))
        return str(claim["policy"]) if claim else None

    def get_payment(self, platform_id: str, payment_id: str) -> Payment | None:
        item = self._table.get(*tenant_key(platform_id, "PAY", payment_id))
        return item_record(item, Payment) if item else None

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
