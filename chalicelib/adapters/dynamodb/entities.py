"""Generic reads of pydantic records stored as items (the unit of work writes them): get, list."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from chalicelib.adapters.dynamodb.keys import tenant_key, tenant_partition
from chalicelib.adapters.dynamodb.table import DynamoTable, Item
from chalicelib.domain.parties import Page

M = TypeVar("M", bound=BaseModel)
_KEY_ATTRIBUTES = frozenset(
    {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "duepk", "duesk"}
    | {"gsi4pk", "gsi4sk", "gsi5pk", "gsi5sk"}
)


NESTED = "nested"  # the record's nested fields, as one JSON string


def record_item(
    record: BaseModel, pk: str, sk: str, extra: Mapping[str, Any] | None = None
) -> Item:
    """The item for a record: its scalar fields as attributes (what keys, projections and
    filters name), its nested fields (objects and lists) as one JSON string, plus the key
    attributes. A nested field stored as a DynamoDB map costs an attribute value per leaf to
    write, parse and hold (boto3 converts each; an assignment has hundreds); one string costs
    one, at the same item size. No expression reads into a record's nested fields."""
    fields = record.model_dump(mode="json")
    nested = {name: value for name, value in fields.items() if isinstance(value, dict | list)}
    item = {name: value for name, value in fields.items() if name not in nested}
    if nested:
        item[NESTED] = json.dumps(nested, separators=(",", ":"))
    return {**item, **(extra or {}), "pk": pk, "sk": sk}


def item_record(item: Item, model: type[M]) -> M:
    """The record in an item, key attributes dropped (items written with nested fields as maps,
    before they were one string, read too)."""
    fields = {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES and k != NESTED}
    if NESTED in item:
        fields.update(json.loads(str(item[NESTED])))
    return model.model_validate(fields)


class TenantEntities:
    """Records of one kind, owned by a platform, keyed `<platform>#<KIND>` / `<id>`."""

    def __init__(self, table: DynamoTable, kind: str) -> None:
        self.table = table
        self.kind = kind

    def get(self, platform_id: str, entity_id: str, model: type[M]) -> M | None:
        item = self.table.get(*tenant_key(platform_id, self.kind, entity_id))
        return item_record(item, model) if item else None

    def page(
        self, platform_id: str, model: type[M], *, limit: int, starting_after: str | None
    ) -> Page[M]:
        partition = tenant_partition(platform_id, self.kind)
        start = {"pk": partition, "sk": starting_after} if starting_after else None
        answer = self.table.query_page(partition=("pk", partition), limit=limit, start_key=start)
        return Page[M](
            items=[item_record(i, model) for i in answer.items], has_more=answer.has_more
        )
