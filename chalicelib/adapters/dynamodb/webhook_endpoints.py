"""Webhook endpoints: `<platform>#WHE` / `whe_…`, written through the unit of work.

A deleted endpoint stays as a record with `deleted_at` and a TTL (30 days): reads treat it as
gone, pending deliveries find out what became of it. A platform has at most 20 live endpoints,
so "every live endpoint of a platform" is one small Query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb.entities import item_record, record_item
from chalicelib.adapters.dynamodb.keys import tenant_key, tenant_partition
from chalicelib.adapters.dynamodb.table import (
    DynamoTable,
    Item,
    from_attributes,
    map_client_error,
    to_attributes,
)
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks.endpoints import DELETED_RETENTION, WebhookEndpoint

KIND = "WHE"


def webhook_endpoint_item(endpoint: WebhookEndpoint) -> Item:
    pk, sk = tenant_key(endpoint.platform, KIND, endpoint.id)
    extra: dict[str, Any] = {}
    if endpoint.deleted_at is not None:
        extra["ttl"] = int((endpoint.deleted_at + DELETED_RETENTION).timestamp())
    return record_item(endpoint, pk, sk, extra)


def _endpoint(item: Item) -> WebhookEndpoint:
    return item_record(item, WebhookEndpoint)  # `ttl` and `request_id` are ignored


class DynamoWebhookEndpoints:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def get(self, platform_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        """The endpoint, deleted or not (callers decide what a deleted one means)."""
        item = self._table.get(*tenant_key(platform_id, KIND, endpoint_id))
        return _endpoint(item) if item else None

    def get_many(self, platform_id: str, endpoint_ids: Sequence[str]) -> dict[str, WebhookEndpoint]:
        keys = [tenant_key(platform_id, KIND, endpoint_id) for endpoint_id in endpoint_ids]
        found: dict[str, WebhookEndpoint] = {}
        for start in range(0, len(keys), 100):
            for item in self._table.batch_get(keys[start : start + 100]).values():
                endpoint = _endpoint(item)
                found[endpoint.id] = endpoint
        return found

    def live(self, platform_id: str) -> list[WebhookEndpoint]:
        """Every endpoint of the platform that is not deleted, oldest first."""
        items = self._table.query_all(partition=("pk", tenant_partition(platform_id, KIND)))
        return [e for e in (_endpoint(item) for item in items) if not e.deleted]

    def page(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[WebhookEndpoint]:
        """Live endpoints, newest first (deleted ones filtered in the Query, paging on)."""
        partition = tenant_partition(platform_id, KIND)
        request: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :p",
            "FilterExpression": "attribute_not_exists(deleted_at)",
            "ExpressionAttributeValues": to_attributes({":p": partition}),
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if starting_after:
            request["ExclusiveStartKey"] = to_attributes({"pk": partition, "sk": starting_after})
        items: list[Item] = []
        while True:
            try:
                answer = self._table.client.query(**request)
            except ClientError as exc:
                raise map_client_error(exc, conflict_message="query conflict") from exc
            items.extend(from_attributes(raw) for raw in answer.get("Items", []))
            last = answer.get("LastEvaluatedKey")
            if len(items) > limit or not last:
                break
            request["ExclusiveStartKey"] = last
        return Page[WebhookEndpoint](
            items=[_endpoint(item) for item in items[:limit]], has_more=len(items) > limit
        )
