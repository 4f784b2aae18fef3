"""Routes: webhook endpoints, their delivery attempts, events and redelivery (platform keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import common
    from chalicelib.api.schemas import webhooks as schemas
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.webhooks")
    common = deferred_import("chalicelib.api.schemas.common")

bp = Blueprint(__name__)
PLATFORM = {Role.PLATFORM}
ENDPOINT = "/v1/webhook-endpoints/{endpoint_id}"


@operation(
    bp,
    "/v1/webhook-endpoints",
    method="POST",
    summary="Create a webhook endpoint; its signing secret is shown once",
    roles=PLATFORM,
    status=201,
    tag="Webhooks",
    errors=(409, 422),
)
def create_webhook_endpoint(
    ctx: RequestContext, body: schemas.WebhookEndpointCreate
) -> schemas.WebhookEndpointWithSecret:
    created = ctx.app.webhooks.create(ctx.platform, body.url, body.events)
    return schemas.WebhookEndpointWithSecret.with_secret(created.endpoint, created.secret)


@operation(
    bp,
    "/v1/webhook-endpoints",
    summary="List webhook endpoints, newest first",
    roles=PLATFORM,
    tag="Webhooks",
)
def list_webhook_endpoints(
    ctx: RequestContext, query: common.ListQuery
) -> common.ListOf[schemas.WebhookEndpointOut]:
    page = ctx.app.webhooks.list_endpoints(ctx.platform, query.limit, query.starting_after)
    return common.ListOf[schemas.WebhookEndpointOut].of_page(page, schemas.WebhookEndpointOut.of)


@operation(
    bp,
    ENDPOINT,
    summary="Get a webhook endpoint",
    roles=PLATFORM,
    tag="Webhooks",
    errors=(404,),
)
def get_webhook_endpoint(ctx: RequestContext, endpoint_id: str) -> schemas.WebhookEndpointOut:
    return schemas.WebhookEndpointOut.of(ctx.app.webhooks.get(ctx.platform, endpoint_id))


@operation(
    bp,
    ENDPOINT,
    method="PATCH",
    summary="Change a webhook endpoint's URL or events, or disable / enable it",
    roles=PLATFORM,
    tag="Webhooks",
    errors=(404, 409),
)
def update_webhook_endpoint(
    ctx: RequestContext, endpoint_id: str, body: schemas.WebhookEndpointPatch
) -> schemas.WebhookEndpointOut:
    endpoint = ctx.app.webhooks.update(
        ctx.platform, endpoint_id, url=body.url, events=body.events, disabled=body.disabled
    )
    return schemas.WebhookEndpointOut.of(endpoint)


@operation(
    bp,
    ENDPOINT,
    method="DELETE",
    summary="Delete a webhook endpoint (its pending deliveries are dropped)",
    roles=PLATFORM,
    tag="Webhooks",
    errors=(404, 409),
)
def delete_webhook_endpoint(
    ctx: RequestContext, endpoint_id: str
) -> schemas.WebhookEndpointDeleted:
    deleted = ctx.app.webhooks.delete(ctx.platform, endpoint_id)
    return schemas.WebhookEndpointDeleted(id=deleted.id)


@operation(
    bp,
    ENDPOINT + "/rotate-secret",
    method="POST",
    summary="Rotate the signing secret; for 24 h both secrets sign (two signatures)",
    roles=PLATFORM,
    tag="Webhooks",
    errors=(404, 409, 422),
)
def rotate_webhook_secret(
    ctx: RequestContext, endpoint_id: str
) -> schemas.WebhookEndpointWithSecret:
    rotated = ctx.app.webhooks.rotate_secret(ctx.platform, endpoint_id)
    return schemas.WebhookEndpointWithSecret.with_secret(rotated.endpoint, rotated.secret)


@operation(
    bp,
    ENDPOINT + "/deliveries",
    summary="Delivery attempts to this endpoint, newest first (kept 30 days)",
    roles=PLATFORM,
    tag="Webhooks",
    errors=(404,),
)
def list_webhook_deliveries(
    ctx: RequestContext, endpoint_id: str, query: common.ListQuery
) -> common.ListOf[schemas.DeliveryAttemptOut]:
    page = ctx.app.webhooks.attempts(ctx.platform, endpoint_id, query.limit, query.starting_after)
    return common.ListOf[schemas.DeliveryAttemptOut].of_page(page, schemas.DeliveryAttemptOut.of)


@operation(
    bp,
    "/v1/events",
    summary="Events of the last 30 days, newest first",
    roles=PLATFORM,
    tag="Events",
    cursor="evt",
)
def list_events(ctx: RequestContext, query: schemas.EventQuery) -> common.ListOf[schemas.EventOut]:
    page = ctx.app.events.list_events(
        ctx.platform,
        event_type=query.type,
        since=query.since,
        limit=query.limit,
        starting_after=query.starting_after,
    )
    return common.ListOf[schemas.EventOut].of_page(page, schemas.EventOut.of)


@operation(
    bp,
    "/v1/events/{event_id}/redeliver",
    method="POST",
    summary="Deliver an event again (to one endpoint, or every subscribed one)",
    roles=PLATFORM,
    tag="Events",
    errors=(404, 409),
)
def redeliver_event(
    ctx: RequestContext, event_id: str, body: schemas.RedeliverIn
) -> schemas.RedeliveryOut:
    endpoints = ctx.app.events.redeliver(ctx.platform, event_id, body.endpoint)
    return schemas.RedeliveryOut(event=event_id, endpoints=endpoints)
