"""Routes: platforms, API keys, customers, contractors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import common
    from chalicelib.api.schemas import parties as schemas
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.parties")
    common = deferred_import("chalicelib.api.schemas.common")

bp = Blueprint(__name__)
ADMIN = {Role.ADMIN}
PLATFORM = {Role.PLATFORM}


@operation(
    bp,
    "/v1/platforms",
    method="POST",
    summary="Create a platform and its first API key",
    roles=ADMIN,
    status=201,
    tag="Parties",
)
def create_platform(ctx: RequestContext, body: schemas.PlatformCreate) -> schemas.PlatformCreated:
    platform, secret = ctx.app.parties.create_platform(body.name)
    return schemas.PlatformCreated(id=platform.id, name=platform.name, api_key=secret)


# An admin manages every key; a platform its own platform keys (rotation without an admin).
KEY_MANAGERS = {Role.ADMIN, Role.PLATFORM}


@operation(
    bp,
    "/v1/api-keys",
    method="POST",
    summary="Create an API key (admin: underwriter or platform keys; a platform: its own); "
    "the key is shown in this response only",
    roles=KEY_MANAGERS,
    status=201,
    tag="Parties",
    errors=(404,),
)
def create_api_key(ctx: RequestContext, body: schemas.ApiKeyCreate) -> schemas.ApiKeyCreated:
    assert ctx.principal is not None
    record, secret = ctx.app.parties.create_api_key(ctx.principal, Role(body.role), body.platform)
    return schemas.ApiKeyCreated.created(record, secret)


@operation(
    bp,
    "/v1/api-keys",
    summary="List API keys, newest first (admin: every stored key; a platform: its own)",
    roles=KEY_MANAGERS,
    tag="Parties",
)
def list_api_keys(ctx: RequestContext, query: common.ListQuery) -> common.ListOf[schemas.ApiKeyOut]:
    assert ctx.principal is not None
    page = ctx.app.parties.list_api_keys(ctx.principal, query.limit, query.starting_after)
    return common.ListOf[schemas.ApiKeyOut].of_page(page, schemas.ApiKeyOut.of)


@operation(
    bp,
    "/v1/api-keys/{key_id}",
    method="DELETE",
    summary="Revoke an API key at once: the next request with it is a 401",
    roles=KEY_MANAGERS,
    tag="Parties",
    errors=(404,),
)
def revoke_api_key(ctx: RequestContext, key_id: str) -> schemas.ApiKeyOut:
    assert ctx.principal is not None
    return schemas.ApiKeyOut.of(ctx.app.parties.revoke_api_key(ctx.principal, key_id))


@operation(
    bp,
    "/v1/customers",
    method="POST",
    summary="Create a customer-of-record",
    roles=PLATFORM,
    status=201,
    tag="Parties",
)
def create_customer(ctx: RequestContext, body: schemas.CustomerCreate) -> schemas.CustomerOut:
    return schemas.CustomerOut.of(ctx.app.parties.create_customer(ctx.platform, body.model_dump()))


@operation(
    bp,
    "/v1/customers",
    summary="List customers, newest first",
    roles=PLATFORM,
    tag="Parties",
)
def list_customers(
    ctx: RequestContext, query: common.ListQuery
) -> common.ListOf[schemas.CustomerOut]:
    page = ctx.app.parties.list_customers(ctx.platform, query.limit, query.starting_after)
    return common.ListOf[schemas.CustomerOut].of_page(page, schemas.CustomerOut.of)


@operation(
    bp,
    "/v1/customers/{customer_id}",
    summary="Get a customer",
    roles=PLATFORM,
    tag="Parties",
    errors=(404,),
)
def get_customer(ctx: RequestContext, customer_id: str) -> schemas.CustomerOut:
    return schemas.CustomerOut.of(ctx.app.parties.get_customer(ctx.platform, customer_id))


@operation(
    bp,
    "/v1/customers/{customer_id}",
    method="PATCH",
    summary="Update a customer",
    roles=PLATFORM,
    tag="Parties",
    errors=(404, 409),
)
def update_customer(
    ctx: RequestContext, customer_id: str, body: schemas.CustomerPatch
) -> schemas.CustomerOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return schemas.CustomerOut.of(
        ctx.app.parties.update_customer(ctx.platform, customer_id, changes)
    )


@operation(
    bp,
    "/v1/contractors",
    method="POST",
    summary="Create a contractor (the named insured); external_id is unique per platform",
    roles=PLATFORM,
    status=201,
    tag="Parties",
    errors=(409,),
)
def create_contractor(ctx: RequestContext, body: schemas.ContractorCreate) -> schemas.ContractorOut:
    fields = body.model_dump(exclude={"tin"})
    return schemas.ContractorOut.of(
        ctx.app.parties.create_contractor(ctx.platform, fields, body.tin)
    )


@operation(
    bp,
    "/v1/contractors",
    summary="List contractors, newest first",
    roles=PLATFORM,
    tag="Parties",
)
def list_contractors(
    ctx: RequestContext, query: schemas.ContractorQuery
) -> common.ListOf[schemas.ContractorOut]:
    page = ctx.app.parties.list_contractors(
        ctx.platform, query.limit, query.starting_after, query.external_id
    )
    return common.ListOf[schemas.ContractorOut].of_page(page, schemas.ContractorOut.of)


@operation(
    bp,
    "/v1/contractors/{contractor_id}",
    summary="Get a contractor",
    roles=PLATFORM,
    tag="Parties",
    errors=(404,),
)
def get_contractor(ctx: RequestContext, contractor_id: str) -> schemas.ContractorOut:
    return schemas.ContractorOut.of(ctx.app.parties.get_contractor(ctx.platform, contractor_id))


@operation(
    bp,
    "/v1/contractors/{contractor_id}",
    method="PATCH",
    summary="Update a contractor; later quotes and renewals use the current facts",
    roles=PLATFORM,
    tag="Parties",
    errors=(404, 409),
)
def update_contractor(
    ctx: RequestContext, contractor_id: str, body: schemas.ContractorPatch
) -> schemas.ContractorOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True, exclude={"tin"})
    updated = ctx.app.parties.update_contractor(ctx.platform, contractor_id, changes, body.tin)
    return schemas.ContractorOut.of(updated)
