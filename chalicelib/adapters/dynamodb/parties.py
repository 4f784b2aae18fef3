"""Platforms, API keys, customers and contractors in the single table."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamodb.entities import TenantEntities, item_record, record_item
from chalicelib.adapters.dynamodb.keys import (
    api_key_key,
    api_keys_by_platform,
    platform_key,
    tenant_key,
)
from chalicelib.adapters.dynamodb.table import DynamoTable, Item, to_attributes
from chalicelib.domain.change import UniqueClaim
from chalicelib.domain.parties import (
    CONTRACTOR_EXTERNAL_ID,
    ApiKeyRecord,
    Contractor,
    Customer,
    Page,
    Platform,
)

ALL_KEYS = "KEYS"


def api_key_item(record: ApiKeyRecord) -> Item:
    """A key is found by its hash; a platform's keys are listed on GSI1, every stored key on
    GSI2 (the admin's list), and a key by its id alone on GSI3 (revocation)."""
    extra: dict[str, str] = {
        "gsi2pk": ALL_KEYS,
        "gsi2sk": record.id,
        "gsi3pk": api_key_directory(record.id),
        "gsi3sk": "KEY",
    }
    if record.platform:
        extra |= {"gsi1pk": api_keys_by_platform(record.platform), "gsi1sk": record.id}
    return record_item(record, *api_key_key(record.key_hash), extra)


def api_key_directory(key_id: str) -> str:
    return f"KEY#{key_id}"


def api_key_directory_item(record: ApiKeyRecord) -> Item:
    """`KEY#<id>` / `KEY` -> the key's hash, written with the key: revoking by id reads it
    consistently (the gsi3 entry may lag a key created a moment ago)."""
    return {"pk": api_key_directory(record.id), "sk": "KEY", "key_hash": record.key_hash}


UNIQUE_PARTITIONS = {CONTRACTOR_EXTERNAL_ID: "CTREXT"}


def unique_claim_key(claim: UniqueClaim) -> tuple[str, str]:
    """`plt_…#CTREXT` / `<external_id>` -> holder: one item per claimed value."""
    return tenant_key(claim.platform, UNIQUE_PARTITIONS[claim.kind], claim.value)


def _create(item: Item) -> dict[str, Any]:
    """A TransactWriteItems Put that only creates."""
    return {"Put": {"Item": to_attributes(item), "ConditionExpression": "attribute_not_exists(pk)"}}


class DynamoPlatforms:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def add_platform(self, platform: Platform, first_key: ApiKeyRecord) -> None:
        """One TransactWriteItems: the platform and its first key, or neither."""
        self._table.transact(
            [
                _create(record_item(platform, *platform_key(platform.id))),
                _create(api_key_item(first_key)),
                _create(api_key_directory_item(first_key)),
            ],
            conflict_message="The platform or its key already exists.",
        )

    def get_platform(self, platform_id: str) -> Platform | None:
        item = self._table.get(*platform_key(platform_id))
        return item_record(item, Platform) if item else None


class DynamoApiKeys:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def add_key(self, record: ApiKeyRecord) -> None:
        self._table.transact(
            [_create(api_key_item(record)), _create(api_key_directory_item(record))],
            conflict_message="The key already exists.",
        )

    def key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        """Consistent: a key revoked a moment ago is seen revoked by the next request."""
        item = self._table.get(*api_key_key(key_hash))
        return item_record(item, ApiKeyRecord) if item else None

    def key_by_id(self, key_id: str) -> ApiKeyRecord | None:
        """The directory item names the key's hash; then a consistent GetItem reads it. A key
        written before directory items existed is found by its gsi3 entry instead."""
        directory = self._table.get(api_key_directory(key_id), "KEY")
        if directory is not None:
            return self.key_by_hash(str(directory["key_hash"]))
        items = self._table.query_all(
            partition=("gsi3pk", api_key_directory(key_id)),
            index="gsi3",
            projection="key_hash",
        )
        return self.key_by_hash(str(items[0]["key_hash"])) if items else None

    def page(
        self, platform_id: str | None, *, limit: int, starting_after: str | None
    ) -> Page[ApiKeyRecord]:
        """A platform's keys (gsi1), or every stored key (gsi2), newest first."""
        if platform_id is None:
            index, pk_name, sk_name, value = "gsi2", "gsi2pk", "gsi2sk", ALL_KEYS
        else:
            index, pk_name, sk_name = "gsi1", "gsi1pk", "gsi1sk"
            value = api_keys_by_platform(platform_id)
        start = None
        if starting_after:
            after = self.key_by_id(starting_after)
            if after is None or (platform_id is not None and after.platform != platform_id):
                return Page[ApiKeyRecord](items=[], has_more=False)
            pk, sk = api_key_key(after.key_hash)
            start = {pk_name: value, sk_name: starting_after, "pk": pk, "sk": sk}
        answer = self._table.query_page(
            partition=(pk_name, value), index=index, limit=limit, start_key=start
        )
        return Page[ApiKeyRecord](
            items=[item_record(item, ApiKeyRecord) for item in answer.items],
            has_more=answer.has_more,
        )


class DynamoParties:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table
        self._customers = TenantEntities(table, "CUS")
        self._contractors = TenantEntities(table, "CTR")

    def get_customer(self, platform_id: str, customer_id: str) -> Customer | None:
        return self._customers.get(platform_id, customer_id, Customer)

    def list_customers(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Customer]:
        return self._customers.page(
            platform_id, Customer, limit=limit, starting_after=starting_after
        )

    def get_contractor(self, platform_id: str, contractor_id: str) -> Contractor | None:
        return self._contractors.get(platform_id, contractor_id, Contractor)

    def contractor_by_external_id(self, platform_id: str, external_id: str) -> Contractor | None:
        """GetItem the claim, then the contractor holding it (both consistent)."""
        claim = UniqueClaim(CONTRACTOR_EXTERNAL_ID, platform_id, external_id, "")
        item = self._table.get(*unique_claim_key(claim))
        return self.get_contractor(platform_id, str(item["holder"])) if item else None

    def contractor_and_customer(
        self, platform_id: str, contractor_id: str | None, customer_id: str | None
    ) -> tuple[Contractor | None, Customer | None]:
        """One BatchGetItem for both (either may be absent)."""
        keys = []
        if contractor_id:
            keys.append(tenant_key(platform_id, "CTR", contractor_id))
        if customer_id:
            keys.append(tenant_key(platform_id, "CUS", customer_id))
        found = self._table.batch_get(keys) if keys else {}
        contractor = found.get(tenant_key(platform_id, "CTR", contractor_id or ""))
        customer = found.get(tenant_key(platform_id, "CUS", customer_id or ""))
        return (
            item_record(contractor, Contractor) if contractor else None,
            item_record(customer, Customer) if customer else None,
        )

    def list_contractors(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Contractor]:
        return self._contractors.page(
            platform_id, Contractor, limit=limit, starting_after=starting_after
        )
