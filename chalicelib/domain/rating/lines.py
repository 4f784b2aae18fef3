"""One line of a quote or assignment: `rate_line` -> `RatedLine` (class, rate, breakdown, reasons)
or `UnratedLine` (why the program does not rate it)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from chalicelib.domain.rating.breakdown import Frozen, PremiumBreakdown
from chalicelib.domain.rating.el_limits import STANDARD_EL_LIMITS, el_limits_factor
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
    # EL limits above the program's table, no factor approved: priced provisionally at the
    # highest tabulated factor; the line goes to an underwriter, who approves the factor.
    el_above_table: bool = False


EL_ABOVE_TABLE = "el_limits_above_table"


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
    el_factor: Decimal | None = None,
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
            reasons,
            el_factor,
        )
    gl_class = reference.gl_class_for(trade)
    rate = reference.rate_for(program.id, state, gl_class.code)
    breakdown = rate_gl(program, pay_cents, rate, endorsements=offered)
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
    reasons: list[Reason],
    el_factor: Decimal | None,
) -> RatedLine:
    if hourly_wage_cents is not None and hourly_wage_cents < 0:
        raise RatingInputError("invalid_hourly_wage", "hourly wage must be zero or more cents")
    wc_class = reference.wc_class_for(trade, state, hourly_wage_cents)
    rate = reference.rate_for(program.id, state, wc_class.class_code)
    above = (
        el_factor is None
        and el_limits_factor(program.charges.el_increased_limits, el_limits).above_highest
    )
    if above:
        reasons = [*reasons, _el_above_table_reason(program, el_limits)]
    breakdown = rate_wc(
        program,
        pay_cents,
        rate,
        el_limits=el_limits,
        experience_mod=experience_mod,
        endorsements=offered,
        el_factor=el_factor,
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
        el_above_table=above,
    )


def _el_above_table_reason(program: Program, el_limits: str) -> Reason:
    highest = program.charges.el_increased_limits[-1]
    return Reason(
        code=EL_ABOVE_TABLE,
        message=f"Employer's liability limits {el_limits} are above {program.id}'s table (highest "
        f"{highest.limits}, factor {highest.factor}): the premium shown uses that factor until an "
        "underwriter approves the factor for these limits (el_limits_factor on approval), which "
        "then prices the line.",
        guideline=guideline_citation(
            "reference/rating-facts.md",
            "Workers' comp premium order (bureau practice; NY "
            "premium algorithm, NCCI Basic Manual)",
        ),
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
