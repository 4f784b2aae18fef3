"""Routes: policies (the opt-in) and payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import common
    from chalicelib.api.schemas import policies as schemas
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.policies")
    common = deferred_import("chalicelib.api.schemas.common")

bp = Blueprint(__name__)
PLATFORM = {Role.PLATFORM}
ANY_ROLE = {Role.PLATFORM, Role.UNDERWRITER, Role.ADMIN}


@operation(
    bp,
    "/v1/policies",
    method="POST",
    summary="Bind a policy from an eligible or approved quote (the tech opts in once)",
    roles=PLATFORM,
    status=201,
    tag="Policies",
    errors=(404, 409),
)
def create_policy(ctx: RequestContext, body: schemas.PolicyCreate) -> schemas.PolicyOut:
    attested_by = ctx.principal.key_id if ctx.principal else None
    return schemas.PolicyOut.of(
        ctx.app.policies.create_policy(ctx.platform, body.quote, attested_by)
    )


@operation(
    bp,
    "/v1/policies",
    summary="List policies, newest first",
    roles=PLATFORM,
    tag="Policies",
)
def list_policies(
    ctx: RequestContext, query: schemas.PolicyQuery
) -> common.ListOf[schemas.PolicyOut]:
    page = ctx.app.policies.list_policies(
        ctx.platform, query.contractor, query.limit, query.starting_after
    )
    return common.ListOf[schemas.PolicyOut].of_page(page, schemas.PolicyOut.of)


@operation(
    bp,
    "/v1/policies/{policy_id}",
    summary="Get a policy (a platform its own; an underwriter or admin any)",
    roles=ANY_ROLE,
    tag="Policies",
    errors=(404,),
)
def get_policy(ctx: RequestContext, policy_id: str) -> schemas.PolicyOut:
    assert ctx.principal is not None
    return schemas.PolicyOut.of(ctx.app.term.policy_for(ctx.principal, policy_id))


@operation(
    bp,
    "/v1/policies/{policy_id}/cancel",
    method="POST",
    summary="Cancel a policy: a platform at the insured's request (short rate); the underwriter "
    "or an admin for the company's reasons (pro rata, after the program's notice); flat before "
    "inception. Jobs starting on or after the date are cancelled and refunded.",
    roles=ANY_ROLE,
    tag="Policy term",
    errors=(403, 404, 409, 422),
)
def cancel_policy(
    ctx: RequestContext, policy_id: str, body: schemas.PolicyCancel
) -> schemas.PolicyOut:
    assert ctx.principal is not None
    policy = ctx.app.term.cancel(ctx.principal, policy_id, body.reason, body.effective_date)
    return schemas.PolicyOut.of(policy)


@operation(
    bp,
    "/v1/policies/{policy_id}/reinstate",
    method="POST",
    summary="Reinstate a cancelled policy or withdraw a scheduled cancellation, under the "
    "program's rules (409 citing the rule that forbids it); bind a rescinded one again "
    "(underwriter)",
    roles=ANY_ROLE,
    tag="Policy term",
    errors=(403, 404, 409),
)
def reinstate_policy(
    ctx: RequestContext, policy_id: str, body: schemas.PolicyReinstate
) -> schemas.PolicyOut:
    assert ctx.principal is not None
    return schemas.PolicyOut.of(ctx.app.term.reinstate(ctx.principal, policy_id))


@operation(
    bp,
    "/v1/policies/{policy_id}/audit",
    method="POST",
    summary="Complete the final audit: premium on audited pay per class code, the difference "
    "booked as audit_adjustment",
    roles={Role.UNDERWRITER, Role.ADMIN},
    tag="Policy term",
    errors=(404, 409, 422),
)
def audit_policy(
    ctx: RequestContext, policy_id: str, body: schemas.PolicyAudit
) -> schemas.PolicyOut:
    assert ctx.principal is not None
    policy = ctx.app.term.complete_audit(
        ctx.principal, policy_id, dict(body.audited_pay_cents), body.completed_at
    )
    return schemas.PolicyOut.of(policy)


@operation(
    bp,
    "/v1/policies/{policy_id}/payments",
    method="POST",
    summary="Record a payment; paying the down payment activates a pending policy",
    roles=PLATFORM,
    status=201,
    tag="Policies",
    errors=(404, 409),
)
def create_payment(
    ctx: RequestContext, policy_id: str, body: schemas.PaymentCreate
) -> schemas.PaymentOut:
    payment = ctx.app.policies.pay(ctx.platform, policy_id, body.amount_cents, body.reference)
    return schemas.PaymentOut.of(payment)
