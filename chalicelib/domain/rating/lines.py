"""One line of a quote or assignment: `rate_line` -> `RatedLine` (class, rate, breakdown, reasons)
or `UnratedLine` (why the program does not rate it)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from chalicelib.domain.rating.breakdown import Frozen, PremiumBreakdown
from chalicelib.domain.rating.el_limits import STANDARD_EL_LIMITS
from chalicelib.domain.rating.endorsements import (
    EndorsementRequest,
    endorsement_request,
    offered_endorsements,
)
from chalicelib.domain.rating.premium import rate_gl, rate_wc
from chalicelib.domain.reasons import Reason, guideline_citation
from chalicelib.domain.reference import (
    Carrier,
    EndorsementTerms,
    Jurisdiction,
    Line,
    Program,
    RatingInputError,
    ReferenceData,
    WcClassAssignment,
)

_JURISDICTIONS_FACTS = guideline_citation("reference/rating-facts.md", "Jurisdictions")
_NONE_BOOKED: frozenset[str] = frozenset()


class RatedLine(Frozen):
    """A line the program rates: class, rate, premium breakdown and reasons (e.g. no waiver)."""

    outcome: Literal["rated"] = "rated"
    program: str
    line: Line
    carrier: Carrier
    state: str
    trade: str
    class_code: str
    class_description: str
    class_verified: bool
    bureau: str
    wc_class: WcClassAssignment | None
    rate_per_100: Decimal
    premium: PremiumBreakdown
    reasons: tuple[Reason, ...] = ()


class UnratedLine(Frozen):
    """A line not rated: monopolistic_state, state_not_written or trade_not_written."""

    outcome: Literal["not_rated"] = "not_rated"
    program: str
    line: Line
    state: str
    trade: str
    reason: Reason


def rate_line(
    reference: ReferenceData,
    program_id: str,
    trade: str,
    state: str,
    pay_cents: int,
    *,
    hourly_wage_cents: int | None = None,
    el_limits: str | None = None,
    experience_mod: Decimal | str = "1.00",
    endorsements: Sequence[str | EndorsementRequest] = (),
) -> RatedLine | UnratedLine:
    """Rate one line under one program: class for trade and state, rate, breakdown.

    Unknown trade, state, program or endorsement, bad pay, mod or EL limits -> RatingInputError.
    WC in a monopolistic state, or a state or trade the program does not write -> UnratedLine.
    """
    program = reference.program(program_id)
    reference.trade(trade)
    jurisdiction = reference.jurisdiction(state)
    requests = [endorsement_request(item) for item in endorsements] if endorsements else []
    not_rated = _not_rated_reason(program, jurisdiction, trade)
    if not_rated is not None:
        return UnratedLine(
            program=program.id, line=program.line, state=state, trade=trade, reason=not_rated
        )
    offered, reasons = offered_endorsements(program, state, requests)
    booked_codes = [item.code for item in requests if item.minimum_already_booked]
    booked = frozenset(booked_codes) if booked_codes else _NONE_BOOKED
    if program.line == "wc":
        return _rated_wc(
            reference,
            program,
            trade,
            state,
            pay_cents,
            hourly_wage_cents,
            el_limits or STANDARD_EL_LIMITS,
            experience_mod,
            offered,
            booked,
            reasons,
        )
    gl_class = reference.gl_class_for(trade)
    rate = reference.rate_for(program.id, state, gl_class.code)
    breakdown = rate_gl(program, pay_cents, rate, endorsements=offered, minimums_booked=booked)
    return RatedLine(
        program=program.id,
        line="gl",
        carrier=program.carrier,
        state=state,
        trade=trade,
        class_code=gl_class.code,
        class_description=gl_class.description,
        class_verified=gl_class.verified,
        bureau="ISO",
        wc_class=None,
        rate_per_100=rate,
        premium=breakdown,
        reasons=tuple(reasons),
    )


def _rated_wc(
    reference: ReferenceData,
    program: Program,
    trade: str,
    state: str,
    pay_cents: int,
    hourly_wage_cents: int | None,
    el_limits: str,
    experience_mod: Decimal | str,
    offered: list[EndorsementTerms],
    booked: frozenset[str],
    reasons: list[Reason],
) -> RatedLine:
    if hourly_wage_cents is not None and hourly_wage_cents < 0:
        raise RatingInputError("invalid_hourly_wage", "hourly wage must be zero or more cents")
    wc_class = reference.wc_class_for(trade, state, hourly_wage_cents)
    rate = reference.rate_for(program.id, state, wc_class.class_code)
    breakdown = rate_wc(
        program,
        pay_cents,
        rate,
        el_limits=el_limits,
        experience_mod=experience_mod,
        endorsements=offered,
        minimums_booked=booked,
    )
    return RatedLine(
        program=program.id,
        line="wc",
        carrier=program.carrier,
        state=state,
        trade=trade,
        class_code=wc_class.class_code,
        class_description=wc_class.description,
        class_verified=wc_class.verified,
        bureau=wc_class.bureau,
        wc_class=wc_class,
        rate_per_100=rate,
        premium=breakdown,
        reasons=tuple(reasons),
    )


def monopolistic_state_reason(reference: ReferenceData, state: str) -> Reason | None:
    """WC in ND, OH, WA, WY comes only from the state fund: the reason, or None elsewhere."""
    return _monopolistic_reason(reference.jurisdiction(state))


def _monopolistic_reason(jurisdiction: Jurisdiction) -> Reason | None:
    if not jurisdiction.monopolistic:
        return None
    return Reason(
        code="monopolistic_state",
        message=f"{jurisdiction.name} writes workers' compensation only through its "
        "monopolistic state fund",
        guideline=_JURISDICTIONS_FACTS,
    )


def _not_rated_reason(program: Program, jurisdiction: Jurisdiction, trade: str) -> Reason | None:
    if program.line == "wc" and jurisdiction.monopolistic:
        return _monopolistic_reason(jurisdiction)
    if not program.writes_state(jurisdiction.code):
        return Reason(
            code="state_not_written",
            message=f"program {program.id} does not write {jurisdiction.name}",
        )
    if not program.writes_trade(trade):
        return Reason(
            code="trade_not_written", message=f"program {program.id} does not write {trade}"
        )
    return None
