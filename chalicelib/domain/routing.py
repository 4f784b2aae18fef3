"""Routing a line across programs: state-specific before multistate, first taker wins.

Each line goes through the programs in priority order; the first program that writes the state and
does not decline takes the line (eligible or referred); `considered` says why each earlier program
did not (API.md "Quote -> policy"). Pure: rating data, rulebooks and facts are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.rating import PremiumBreakdown, RatedLine, RatingInputError, rate_line
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import Carrier, ReferenceData
from chalicelib.domain.underwriting import Decision, Rulebook, UnderwritingFacts, evaluate

LineStatus = Literal["eligible", "referred", "declined"]


class Considered(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    program: str
    """A program tried before the one that took the line."""
    status: LineStatus
    """How it decided."""
    reasons: list[Reason]
    """Why it did not take the line."""


class LineQuote(BaseModel):
    """One line of a quote as the API returns it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: LineStatus
    """`eligible`, `referred` or `declined`."""
    program: str | None = None
    """The program that takes the line; null when every one declined."""
    carrier: Carrier | None = None
    """The program's carrier."""
    state: str
    """The state rated."""
    class_code: str | None = None
    """The class code in that state."""
    class_description: str | None = None
    """What the class covers."""
    bureau: str | None = None
    """The rating bureau of the class code."""
    rate_per_100: Decimal | None = None
    """Premium dollars per $100 of pay, as a decimal string."""
    premium: PremiumBreakdown | None = None
    """The rating worksheet; its steps add up to the premium."""
    reasons: list[Reason]
    """Why the line is referred or declined (each with its guideline), or notes."""
    considered: list[Considered]
    """Programs before the one that took the line, and why they did not."""


class LineRequest(BaseModel):
    """What rating needs for one line."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    line: Literal["wc", "gl"]
    trade: str
    state: str
    pay_cents: int
    hourly_wage_cents: int | None = None
    el_limits: str | None = None
    experience_mod: Decimal = Decimal("1.00")
    endorsements: tuple[str, ...] = ()


FactsFor = Callable[[RatedLine], UnderwritingFacts]


def route_line(
    reference: ReferenceData,
    rulebook_for: Callable[[str], Rulebook],
    request: LineRequest,
    facts_for: FactsFor,
) -> LineQuote:
    """Rate and underwrite the line under each program in priority order until one takes it."""
    considered: list[Considered] = []
    for program in reference.programs(request.line):
        rated = rate_line(
            reference,
            program.id,
            request.trade,
            request.state,
            request.pay_cents,
            hourly_wage_cents=request.hourly_wage_cents,
            el_limits=request.el_limits if request.line == "wc" else None,
            experience_mod=request.experience_mod,
            endorsements=request.endorsements,
        )
        if not isinstance(rated, RatedLine):
            considered.append(
                Considered(program=program.id, status="declined", reasons=[rated.reason])
            )
            continue
        decision: Decision = evaluate(rulebook_for(program.id), facts_for(rated))
        reasons = _merged(decision.reasons, rated.reasons)
        if decision.status == "declined":
            considered.append(Considered(program=program.id, status="declined", reasons=reasons))
            continue
        # EL limits above the table are never priced silently: an underwriter approves a factor.
        status: LineStatus = "referred" if rated.el_above_table else decision.status
        return LineQuote(
            status=status,
            program=program.id,
            carrier=rated.carrier,
            state=request.state,
            class_code=rated.class_code,
            class_description=rated.class_description,
            bureau=rated.bureau,
            rate_per_100=rated.rate_per_100,
            premium=rated.premium,
            reasons=reasons,
            considered=considered,
        )
    return LineQuote(
        status="declined",
        state=request.state,
        reasons=_summary_reasons(considered),
        considered=considered,
    )


def _merged(underwriting: Sequence[Reason], rating: Sequence[Reason]) -> list[Reason]:
    """Underwriting reasons, then rating's for codes underwriting did not already give."""
    codes = {reason.code for reason in underwriting}
    return [*underwriting, *(reason for reason in rating if reason.code not in codes)]


def _summary_reasons(considered: Sequence[Considered]) -> list[Reason]:
    """Why no program took the line: each distinct reason, first program first.

    "Does not write the state" only explains the line when no program gave a substantive reason
    (a monopolistic state, an underwriting decline).
    """
    seen: dict[str, Reason] = {}
    for entry in considered:
        for reason in entry.reasons:
            seen.setdefault(reason.code, reason)
    substantive = [reason for code, reason in seen.items() if code != "state_not_written"]
    return substantive or list(seen.values())


def quote_status(
    statuses: Sequence[LineStatus],
) -> Literal["eligible", "referred", "declined", "partial"]:
    """eligible: every line is; declined: every line is; referred: some referred, none declined."""
    if all(status == "eligible" for status in statuses):
        return "eligible"
    if all(status == "declined" for status in statuses):
        return "declined"
    if "declined" not in statuses:
        return "referred"
    return "partial"


__all__ = ["LineQuote", "LineRequest", "RatingInputError", "quote_status", "route_line"]
