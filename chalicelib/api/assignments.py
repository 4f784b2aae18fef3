"""Routes: assignments (coverage per dispatch) and the premium ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import assignments as schemas
    from chalicelib.api.schemas import common
    from chalicelib.domain.assignments import Assignment
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.assignments")
    common = deferred_import("chalicelib.api.schemas.common")

bp = Blueprint(__name__)
PLATFORM = {Role.PLATFORM}
_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="assignment-read")


def _out(ctx: RequestContext, assignment: Assignment) -> schemas.AssignmentOut:
    """The assignment with its certificate (`{"id", "number", "revision", "status", "url"}`)."""
    return schemas.AssignmentOut.of(
        assignment, ctx.app.certificates.ref_of(ctx.platform, assignment.id)
    )


@operation(
    bp,
    "/v1/assignments",
    method="POST",
    summary="Create an assignment; each line binds under the contractor's policy",
    roles=PLATFORM,
    status=201,
    tag="Assignments",
    errors=(404, 409),
)
def create_assignment(ctx: RequestContext, body: schemas.AssignmentCreate) -> schemas.AssignmentOut:
    from chalicelib.domain.assignments import AssignmentInput, Pay, Window
    from chalicelib.domain.parties import Address

    request = AssignmentInput(
        external_id=body.external_id,
        contractor=body.contractor,
        customer=body.customer,
        trade=body.trade,
        description=body.description,
        work_address=Address.model_validate(body.work_address.model_dump()),
        window=Window(start=body.window.start, end=body.window.end),
        pay=Pay.model_validate(body.pay.model_dump()),
        lines=tuple(body.lines),
        requirements=body.requirements.model_dump(exclude_none=True) if body.requirements else None,
        bind=body.bind,
    )
    return _out(ctx, ctx.app.assignments.create(ctx.platform, request))


@operation(
    bp,
    "/v1/assignments",
    summary="List assignments, newest first",
    roles=PLATFORM,
    tag="Assignments",
)
def list_assignments(
    ctx: RequestContext, query: schemas.AssignmentQuery
) -> common.ListOf[schemas.AssignmentOut]:
    days = query.date_range()
    if query.state is not None or days is not None:
        # By work state and/or window start: the listing indexes (docs/data-model.md).
        page = ctx.app.listings.assignments(
            ctx.platform,
            contractor=query.contractor,
            status=query.status,
            state=query.state,
            days=days,
            limit=query.limit,
            starting_after=query.starting_after,
        )
    else:
        page = ctx.app.assignments.list(
            ctx.platform, query.contractor, query.status, query.limit, query.starting_after
        )
    refs = ctx.app.certificates.refs_of(ctx.platform, [a.id for a in page.items])
    return common.ListOf[schemas.AssignmentOut].of_page(
        page, lambda a: schemas.AssignmentOut.of(a, refs.get(a.id))
    )


@operation(
    bp,
    "/v1/assignments/{assignment_id}",
    summary="Get an assignment",
    roles=PLATFORM,
    tag="Assignments",
    errors=(404,),
)
def get_assignment(ctx: RequestContext, assignment_id: str) -> schemas.AssignmentOut:
    # The certificate's id follows from the assignment's: both reads go out at once.
    certificate = _READS.submit(ctx.app.certificates.ref_of, ctx.platform, assignment_id)
    try:
        assignment = ctx.app.assignments.get(ctx.platform, assignment_id)
    except Exception:
        wait([certificate])  # no read outlives its request (a 404 does not wait for it)
        raise
    return schemas.AssignmentOut.of(assignment, certificate.result())


@operation(
    bp,
    "/v1/assignments/{assignment_id}",
    method="PATCH",
    summary="Change an assignment before start: re-rated, the difference booked",
    roles=PLATFORM,
    tag="Assignments",
    errors=(404, 409),
)
def update_assignment(
    ctx: RequestContext, assignment_id: str, body: schemas.AssignmentPatch
) -> schemas.AssignmentOut:
    from chalicelib.domain.assignments import Pay, Window
    from chalicelib.services.assignments import AssignmentChanges

    changes = AssignmentChanges(
        window=Window(start=body.window.start, end=body.window.end) if body.window else None,
        pay=Pay.model_validate(body.pay.model_dump()) if body.pay else None,
        customer=body.customer,
        description=body.description,
    )
    return _out(ctx, ctx.app.assignments.update(ctx.platform, assignment_id, changes))


@operation(
    bp,
    "/v1/assignments/{assignment_id}/start",
    method="POST",
    summary="The tech is on site: coverage in force from then",
    roles=PLATFORM,
    tag="Assignments",
    errors=(404, 409),
)
def start_assignment(
    ctx: RequestContext, assignment_id: str, body: schemas.StartIn
) -> schemas.AssignmentOut:
    return _out(ctx, ctx.app.assignments.start(ctx.platform, assignment_id, body.at))


@operation(
    bp,
    "/v1/assignments/{assignment_id}/complete",
    method="POST",
    summary="Complete on actual pay: premium recomputed, difference booked",
    roles=PLATFORM,
    tag="Assignments",
    errors=(404, 409),
)
def complete_assignment(
    ctx: RequestContext, assignment_id: str, body: schemas.CompleteIn
) -> schemas.AssignmentOut:
    completed = ctx.app.assignments.complete(
        ctx.platform, assignment_id, body.actual_pay_cents, body.actual_hours, body.completed_at
    )
    return _out(ctx, completed)


@operation(
    bp,
    "/v1/assignments/{assignment_id}/cancel",
    method="POST",
    summary="Cancel before start: premium refunded in full",
    roles=PLATFORM,
    tag="Assignments",
    errors=(404, 409),
)
def cancel_assignment(
    ctx: RequestContext, assignment_id: str, body: schemas.CancelIn
) -> schemas.AssignmentOut:
    return _out(ctx, ctx.app.assignments.cancel(ctx.platform, assignment_id, body.reason))


@operation(
    bp,
    "/v1/ledger",
    summary="Premium ledger entries with the total of every match",
    roles=PLATFORM,
    tag="Ledger",
)
def list_ledger(ctx: RequestContext, query: schemas.LedgerQuery) -> schemas.LedgerPage:
    field, value = next(
        (
            (name, getattr(query, name))
            for name in ("assignment", "policy", "contractor")
            if getattr(query, name) is not None
        ),
        (None, None),
    )
    days = query.date_range()
    if days is not None:
        listings = ctx.app.listings
        dated = listings.ledger_page(
            ctx.platform, field, value, days, limit=query.limit, starting_after=query.starting_after
        )
        amounts = listings.ledger_amounts(ctx.platform, field, value, days)
        return schemas.LedgerPage(
            data=[schemas.LedgerEntryOut.of(entry) for entry in dated.items],
            has_more=dated.has_more,
            total_cents=sum(int(item["amount_cents"]) for item in amounts),
        )
    ledger = ctx.app.ledger
    page = ledger.page(
        ctx.platform, field, value, limit=query.limit, starting_after=query.starting_after
    )
    return schemas.LedgerPage(
        data=[schemas.LedgerEntryOut.of(entry) for entry in page.items],
        has_more=page.has_more,
        total_cents=ledger.total_cents(ctx.platform, field, value),
    )
