"""Certificates in the single table (docs/data-model.md): `plt#CRT#nn` / `crt_…`, `nn` one of
`CERTIFICATE_SHARDS` write shards picked by the certificate id (a busy platform issues one per
dispatch and revises it as the job moves: one partition would take ~2,700 WCU/s at 10,000
dispatches a minute). Every read of a certificate is by its id, so the shard is known.

Indexes: gsi1 `CRT#<id>` finds a certificate by id alone (underwriters work across platforms);
gsi2 `CRT#REVIEW#<status>` is the underwriters' queue (sparse: only certificates under review);
gsi3 `CRT#NUM#<number>` answers the public verify endpoint. What a certificate is built from (its
current state, the contractor, the customer and the policies it shows) is one BatchGetItem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.adapters.dynamodb.entities import item_record, record_item
from chalicelib.adapters.dynamodb.keys import sharded_key, tenant_key
from chalicelib.adapters.dynamodb.table import DynamoTable
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.parties import Contractor, Customer, Page
from chalicelib.domain.policies import Policy

CERTIFICATE_SHARDS = 16


def certificate_key(platform_id: str, certificate_id: str) -> tuple[str, str]:
    return sharded_key(platform_id, "CRT", certificate_id, CERTIFICATE_SHARDS)


def certificate_item(certificate: Certificate) -> dict[str, Any]:
    review = certificate.review.status if certificate.review else None
    return record_item(
        certificate,
        *certificate_key(certificate.platform, certificate.id),
        {
            "gsi1pk": f"CRT#{certificate.id}",
            "gsi1sk": "CRT",
            "gsi2pk": f"CRT#REVIEW#{review}" if review else None,
            "gsi2sk": certificate.id if review else None,
            "gsi3pk": f"CRT#NUM#{certificate.number}",
            "gsi3sk": certificate.id,
        },
    )


class DynamoCertificates:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def get(self, platform_id: str, certificate_id: str) -> Certificate | None:
        item = self._table.get(*certificate_key(platform_id, certificate_id))
        return item_record(item, Certificate) if item else None

    def get_many(self, platform_id: str, certificate_ids: Sequence[str]) -> list[Certificate]:
        keys = [certificate_key(platform_id, c) for c in certificate_ids]
        return [item_record(item, Certificate) for item in self._table.batch_get(keys).values()]

    def _one(self, index: str, partition: str) -> Certificate | None:
        page = self._table.query_page(
            partition=(f"{index}pk", partition), index=index, limit=1, newest_first=True
        )
        return item_record(page.items[0], Certificate) if page.items else None

    def find(self, certificate_id: str) -> Certificate | None:
        """By id alone (underwriters): the index, then the item itself, read consistently."""
        found = self._one("gsi1", f"CRT#{certificate_id}")
        return self.get(found.platform, found.id) if found else None

    def by_number(self, number: str) -> Certificate | None:
        return self._one("gsi3", f"CRT#NUM#{number}")

    def in_review(
        self, status: str, *, limit: int, starting_after: str | None
    ) -> Page[Certificate]:
        partition = f"CRT#REVIEW#{status}"
        start = None
        if starting_after:
            found = self.find(starting_after)
            if found is not None:
                pk, sk = certificate_key(found.platform, found.id)
                start = {"pk": pk, "sk": sk, "gsi2pk": partition, "gsi2sk": starting_after}
        answer = self._table.query_page(
            partition=("gsi2pk", partition), index="gsi2", limit=limit, start_key=start
        )
        return Page[Certificate](
            items=[item_record(item, Certificate) for item in answer.items],
            has_more=answer.has_more,
        )

    def load(
        self,
        platform_id: str,
        certificate_id: str,
        contractor_id: str,
        customer_id: str | None,
        policy_ids: Sequence[str],
    ) -> tuple[Certificate | None, Contractor | None, Customer | None, dict[str, Policy]]:
        """One BatchGetItem: the certificate, the contractor, the customer and the policies."""
        own_key = certificate_key(platform_id, certificate_id)
        contractor_key = tenant_key(platform_id, "CTR", contractor_id)
        customer_key = tenant_key(platform_id, "CUS", customer_id) if customer_id else None
        policy_keys = [tenant_key(platform_id, "POL", p) for p in dict.fromkeys(policy_ids)]
        keys = [own_key, contractor_key, *policy_keys]
        if customer_key:
            keys.append(customer_key)
        found = self._table.batch_get(keys)
        certificate = found.get(own_key)
        contractor = found.get(contractor_key)
        customer = found.get(customer_key) if customer_key else None
        policies = {key[1]: item_record(found[key], Policy) for key in policy_keys if key in found}
        return (
            item_record(certificate, Certificate) if certificate else None,
            item_record(contractor, Contractor) if contractor else None,
            item_record(customer, Customer) if customer else None,
            policies,
        )
