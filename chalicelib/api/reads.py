"""Routes the portal reads, public like every other (API.md "Portal"): the ledger summary, a
policy's payments, one referral with the guideline sentences behind its reasons."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.api.http import RequestContext, operation
from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api.schemas import common
    from chalicelib.api.schemas import policies as policy_schemas
    from chalicelib.api.schemas import reads as schemas
    from chalicelib.domain.quotes import Referral
else:  # imported when first read (chalicelib/lazy.py)
    schemas = deferred_import("chalicelib.api.schemas.reads")
    common = deferred_import("chalicelib.api.schemas.common")
    policy_schemas = deferred_import("chalicelib.api.schemas.policies")

bp = Blueprint(__name__)
PLATFORM = {Role.PLATFORM}
# A summary without dates covers the 30 days up to today (UTC).
SUMMARY_DEFAULT_DAYS = 30


@operation(
    bp,
    "/v1/ledger/summary",
    summary="Premium booked per UTC day or per contractor within a date range (default: the 30 "
    "days up to today), with the range's total",
    roles=PLATFORM,
    tag="Ledger",
)
def ledger_summary(
    ctx: RequestContext, query: schemas.LedgerSummaryQuery
) -> schemas.LedgerSummaryOut:
    from chalicelib.domain.periods import DateRange

    days = query.date_range(SUMMARY_DEFAULT_DAYS)
    if days is None:
        today = ctx.app.clock.now().date()
        days = DateRange.of(None, today, default_days=SUMMARY_DEFAULT_DAYS)
    amounts = ctx.app.listings.ledger_amounts(ctx.platform, None, None, days)
    totals: dict[str, list[int]] = {}
    for item in amounts:
        group = str(item["gsi4sk"])[:10] if query.group_by == "day" else str(item["contractor"])
        row = totals.setdefault(group, [0, 0])
        row[0] += int(item["amount_cents"])
        row[1] += 1
    if query.group_by == "day":
        rows = [
            schemas.SummaryRow(group=day.isoformat(), total_cents=t[0], entries=t[1])
            for day in days.each_day()
            for t in [totals.get(day.isoformat(), [0, 0])]
        ]
    else:
        names = ctx.app.listings.contractor_names(ctx.platform, list(totals))
        ordered = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))
        rows = [
            schemas.SummaryRow(group=cid, name=names.get(cid), total_cents=t[0], entries=t[1])
            for cid, t in ordered
        ]
    return schemas.LedgerSummaryOut.model_validate(
        {
            "group_by": query.group_by,
            "from": days.first,
            "to": days.last,
            "total_cents": sum(int(item["amount_cents"]) for item in amounts),
            "data": rows,
        }
    )


@operation(
    bp,
    "/v1/policies/{policy_id}/payments",
    summary="A policy's payments, newest first",
    roles=PLATFORM,
    tag="Policies",
    errors=(404,),
)
def list_payments(
    ctx: RequestContext, policy_id: str, query: common.ListQuery
) -> common.ListOf[policy_schemas.PaymentOut]:
    ctx.app.policies.get_policy(ctx.platform, policy_id)  # 404 for another platform's
    page = ctx.app.listings.payments(
        ctx.platform, policy_id, limit=query.limit, starting_after=query.starting_after
    )
    return common.ListOf[policy_schemas.PaymentOut].of_page(page, policy_schemas.PaymentOut.of)


@operation(
    bp,
    "/v1/referrals/{referral_id}",
    summary="A referral (an underwriter any; a platform its own, read-only), with the guideline "
    "sentence behind each reason and where its subject stands now",
    roles={Role.UNDERWRITER, Role.PLATFORM},
    tag="Referrals",
    errors=(404,),
)
def get_referral(ctx: RequestContext, referral_id: str) -> schemas.ReferralDetailOut:
    assert ctx.principal is not None
    referral = ctx.app.quotes.referral_for(ctx.principal, referral_id)
    return schemas.ReferralDetailOut.model_validate(
        {
            **referral.model_dump(exclude={"version"}),
            "guidelines": _guidelines(referral),
            "outcome": _outcome(ctx, referral),
        }
    )


def _guidelines(referral: Referral) -> list[schemas.GuidelineQuote]:
    quotes = guideline_quotes()
    return [
        schemas.GuidelineQuote(
            code=reason.code,
            guideline=reason.guideline,
            quote=quotes.get((reason.code, reason.guideline)) or quotes.get(("", reason.guideline)),
        )
        for reason in referral.reasons
        if reason.guideline
    ]


def _outcome(ctx: RequestContext, referral: Referral) -> dict[str, Any] | None:
    if referral.assignment is not None:
        assignment = ctx.app.assignments.get(referral.platform, referral.assignment)
        return {
            "assignment": {
                "id": assignment.id,
                "status": assignment.status,
                "premium_cents": assignment.premium_cents,
            }
        }
    if referral.quote is not None:
        quote = ctx.app.quotes.get_quote(referral.platform, referral.quote)
        return {"quote": {"id": quote.id, "status": quote.status}}
    return None


@cache
def guideline_quotes() -> dict[tuple[str, str], str]:
    """(reason code, citation) -> the guideline sentence of the rule that gives it; ("",
    citation) -> the first sentence cited there (every packaged rulebook, read once)."""
    from chalicelib.domain.reasons import guideline_citation
    from chalicelib.underwriting_rules import load_rulebook, rulebook_programs

    found: dict[tuple[str, str], str] = {}
    for program in rulebook_programs():
        for rule in load_rulebook(program).rules:
            citation = guideline_citation(rule.guideline.document, rule.guideline.section)
            found.setdefault((rule.code, citation), rule.quote)
            found.setdefault(("", citation), rule.quote)
    return found
