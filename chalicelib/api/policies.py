"""Routes: policies (the opt-in) and payments."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.api.schemas.common import ListOf
from chalicelib.api.schemas.policies import (
    PaymentCreate,
    PaymentOut,
    PolicyCreate,
    PolicyOut,
    PolicyQuery,
)
from chalicelib.domain.parties import Role

bp = Blueprint(__name__)
PLATFORM = {Role.PLATFORM}


@operation(
    bp,
    "/v1/policies",
    method="POST",
    summary="Bind a policy from an eligible or approved quote (the tech opts in once)",
    roles=PLATFORM,
    body=PolicyCreate,
    response=PolicyOut,
    status=201,
    tag="Policies",
    errors=(404, 409),
)
def create_policy(ctx: RequestContext, body: PolicyCreate) -> PolicyOut:
    return PolicyOut.of(ctx.app.policies.create_policy(ctx.platform, body.quote))


@operation(
    bp,
    "/v1/policies",
    summary="List policies, newest first",
    roles=PLATFORM,
    query=PolicyQuery,
    response=PolicyOut,
    listed=True,
    tag="Policies",
)
def list_policies(ctx: RequestContext, query: PolicyQuery) -> ListOf[PolicyOut]:
    page = ctx.app.policies.list_policies(
        ctx.platform, query.contractor, query.limit, query.starting_after
    )
    return ListOf[PolicyOut](data=[PolicyOut.of(p) for p in page.items], has_more=page.has_more)


@operation(
    bp,
    "/v1/policies/{policy_id}",
    summary="Get a policy",
    roles=PLATFORM,
    response=PolicyOut,
    tag="Policies",
    errors=(404,),
)
def get_policy(ctx: RequestContext, policy_id: str) -> PolicyOut:
    return PolicyOut.of(ctx.app.policies.get_policy(ctx.platform, policy_id))


@operation(
    bp,
    "/v1/policies/{policy_id}/payments",
    method="POST",
    summary="Record a payment; paying the down payment activates a pending policy",
    roles=PLATFORM,
    body=PaymentCreate,
    response=PaymentOut,
    status=201,
    tag="Policies",
    errors=(404, 409),
)
def create_payment(ctx: RequestContext, policy_id: str, body: PaymentCreate) -> PaymentOut:
    payment = ctx.app.policies.pay(ctx.platform, policy_id, body.amount_cents, body.reference)
    return PaymentOut.of(payment)
