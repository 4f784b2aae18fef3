"""Routes: reference data (trades, programs), quotes, referrals."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.errors import NotFound
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import common
    from chalicelib.api.schemas import quotes as schemas
    from chalicelib.domain.reference import ReferenceData
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.quotes")
    common = deferred_import("chalicelib.api.schemas.common")

bp = Blueprint(__name__)
ANY_ROLE = {Role.ADMIN, Role.PLATFORM, Role.UNDERWRITER}


def _class_code(reference: ReferenceData, trade: str, state: str) -> schemas.ClassCodeOut:
    assigned = reference.wc_class_for(trade, state, None)
    split = assigned.wage_split
    return schemas.ClassCodeOut(
        wc=assigned.class_code,
        bureau=assigned.bureau,
        description=assigned.description,
        verified=assigned.verified,
        wage_split=schemas.WageSplitOut(
            threshold_cents=split.threshold_cents,
            below=split.below.code,
            at_or_above=split.at_or_above.code,
            below_description=split.below.description,
            at_or_above_description=split.at_or_above.description,
        )
        if split
        else None,
    )


@cache
def trade_list() -> schemas.TradeList:
    """Every trade with its class per jurisdiction some WC program writes (built once)."""
    from chalicelib.reference_data import load_reference_data

    reference = load_reference_data()
    written = sorted({state for p in reference.programs("wc") for state in p.states})
    return schemas.TradeList(
        data=[
            schemas.TradeOut(
                code=trade.code,
                description=trade.description,
                gl_class=schemas.GlClassOut(
                    code=trade.gl_class.code,
                    description=trade.gl_class.description,
                    verified=trade.gl_class.verified,
                ),
                class_codes={state: _class_code(reference, trade.code, state) for state in written},
            )
            for trade in reference.trades()
        ]
    )


@operation(
    bp,
    "/v1/trades",
    summary="Trades and their class codes per jurisdiction",
    roles=ANY_ROLE,
    tag="Reference data",
)
def list_trades(ctx: RequestContext) -> schemas.TradeList:
    return trade_list()


@operation(
    bp,
    "/v1/programs",
    summary="Carrier programs in priority order",
    roles=ANY_ROLE,
    tag="Reference data",
)
def list_programs(ctx: RequestContext) -> schemas.ProgramList:
    return program_list()


@cache
def program_list() -> schemas.ProgramList:
    """Every program, WC programs with their hazard catalogue (built once)."""
    from chalicelib.reference_data import load_reference_data
    from chalicelib.underwriting_rules import load_rulebook

    data = []
    for program in load_reference_data().programs():
        out = schemas.ProgramOut.model_validate(program.model_dump(mode="json"))
        if program.line == "wc":
            out = out.model_copy(update={"hazards": schemas.hazards_of(load_rulebook(program.id))})
        data.append(out)
    return schemas.ProgramList(data=data)


@operation(
    bp,
    "/v1/programs/{program_id}/application",
    summary="A WC program's application: its questions and the contractor facts it reads",
    roles=ANY_ROLE,
    tag="Reference data",
    errors=(404,),
)
def get_application(ctx: RequestContext, program_id: str) -> schemas.ApplicationOut:
    return application_of(program_id)


def application_of(program_id: str) -> schemas.ApplicationOut:
    from chalicelib.underwriting_rules import UnknownProgramError, load_rulebook

    try:
        rulebook = load_rulebook(program_id)
    except UnknownProgramError:
        raise NotFound(f"No program {program_id}.") from None
    if rulebook.application is None:
        raise NotFound(f"Program {program_id} has no application (only WC programs ask).")
    return schemas.ApplicationOut.of(rulebook.application, rulebook)


@operation(
    bp,
    "/v1/quotes",
    method="POST",
    summary="Quote WC and GL for a contractor's work",
    roles={Role.PLATFORM},
    status=201,
    tag="Quotes",
    errors=(404,),
)
def create_quote(ctx: RequestContext, body: schemas.QuoteCreate) -> schemas.QuoteOut:
    from chalicelib.services.quotes import QuoteInput

    request = QuoteInput(
        contractor=body.contractor,
        trade=body.trade,
        work_state=body.work_state,
        lines=tuple(body.lines),
        effective_date=body.effective_date,
        end_date=body.end_date,
        estimated_annual_pay_cents=body.estimated_annual_pay_cents,
        hourly_wage_cents=body.hourly_wage_cents,
        customer=body.customer,
        employers_liability_limits=body.employers_liability_limits,
        deductible_cents=body.deductible_cents,
        rating_plan=body.rating_plan,
        operations=body.operations.model_dump(exclude_none=True) if body.operations else {},
        requested_coverages=tuple(body.requested_coverages),
        raw=body.model_dump(mode="json"),
        sent_by=ctx.principal.key_id if ctx.principal else None,
    )
    return schemas.QuoteOut.of(ctx.app.quotes.create_quote(ctx.platform, request))


@operation(
    bp,
    "/v1/quotes/{quote_id}",
    summary="Get a quote",
    roles={Role.PLATFORM},
    tag="Quotes",
    errors=(404,),
)
def get_quote(ctx: RequestContext, quote_id: str) -> schemas.QuoteOut:
    return schemas.QuoteOut.of(ctx.app.quotes.get_quote(ctx.platform, quote_id))


# A platform reads its own referrals (read-only); an underwriter reads and decides any.
REFERRAL_READERS = {Role.UNDERWRITER, Role.PLATFORM}


@operation(
    bp,
    "/v1/referrals",
    summary="Referrals, newest first: an underwriter's queue, or a platform's own (read-only)",
    roles=REFERRAL_READERS,
    tag="Referrals",
)
def list_referrals(
    ctx: RequestContext, query: schemas.ReferralQuery
) -> common.ListOf[schemas.ReferralOut]:
    if ctx.principal is not None and ctx.principal.role is Role.PLATFORM:
        own = ctx.app.listings.referrals_of_platform(
            ctx.platform,
            status=query.status,
            quote=query.quote,
            assignment=query.assignment,
            limit=query.limit,
            starting_after=query.starting_after,
        )
        return common.ListOf[schemas.ReferralOut].of_page(own, schemas.ReferralOut.of)
    page = ctx.app.quotes.list_referrals(
        query.status, query.quote, query.limit, query.starting_after, query.assignment
    )
    return common.ListOf[schemas.ReferralOut].of_page(page, schemas.ReferralOut.of)


def _decide(
    ctx: RequestContext, referral_id: str, decision: str, body: schemas.ReferralDecision
) -> schemas.ReferralOut:
    assert ctx.principal is not None
    decided = ctx.app.referrals.decide(
        referral_id, decision, body.note, ctx.principal, body.el_limits_factor
    )
    return schemas.ReferralOut.of(decided)


@operation(
    bp,
    "/v1/referrals/{referral_id}/approve",
    method="POST",
    summary="Approve a referral: its referred lines become bindable",
    roles={Role.UNDERWRITER},
    tag="Referrals",
    errors=(404, 409),
)
def approve_referral(
    ctx: RequestContext, referral_id: str, body: schemas.ReferralDecision
) -> schemas.ReferralOut:
    return _decide(ctx, referral_id, "approve", body)


@operation(
    bp,
    "/v1/referrals/{referral_id}/decline",
    method="POST",
    summary="Decline a referral: the quote's referred lines never bind",
    roles={Role.UNDERWRITER},
    tag="Referrals",
    errors=(404, 409),
)
def decline_referral(
    ctx: RequestContext, referral_id: str, body: schemas.ReferralDecision
) -> schemas.ReferralOut:
    return _decide(ctx, referral_id, "decline", body)
