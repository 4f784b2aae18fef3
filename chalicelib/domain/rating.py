"""Premium for one line (WC or GL) of one quote or assignment, with its breakdown.

WC, in bureau order (rating-facts.md "Workers' comp premium order"):
    manual      = pay / 100 x rate_per_100
    el_charge   = manual x (el_limits_factor - 1)
    modified    = (manual + el_charge) x experience_mod        (mod rounded half-up to 2 decimals)
    endorsement = modified x pct                               (per assignment)
    total       = modified + endorsements
GL: manual = pay / 100 x rate_per_100 (no EL, no mod); total = manual + endorsements.

Rounding: half-up to the cent after each step above, so every figure in the breakdown is exact
integer cents and the total is their sum. Charges booked once (waiver minimums per customer or per
term; expense constant and minimum premium per policy of annual programs) are kept apart from the
per-assignment total.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from chalicelib.domain.money import round_cents, round_half_up_cents
from chalicelib.domain.reasons import Reason, guideline_citation
from chalicelib.domain.reference import (
    Carrier,
    ElLimitsLevel,
    EndorsementTerms,
    Line,
    MinimumPremiumRule,
    Program,
    RatingInputError,
    ReferenceData,
    WcClassAssignment,
)

__all__ = [
    "ENDORSEMENT_CODES",
    "STANDARD_EL_LIMITS",
    "Charge",
    "ElLimitsRating",
    "Endorsement",
    "EndorsementRequest",
    "PremiumBreakdown",
    "RatedLine",
    "RatingInputError",
    "Step",
    "UnratedLine",
    "class_minimum_premium_cents",
    "el_increased_limits_charge_cents",
    "el_limits_factor",
    "endorsement_charge_cents",
    "endorsement_minimum_cents",
    "manual_premium_cents",
    "minimum_premium_charge_cents",
    "modified_premium_cents",
    "parse_el_limits",
    "policy_charges",
    "rate_gl",
    "rate_line",
    "rate_wc",
    "round_experience_mod",
]

STANDARD_EL_LIMITS = "100/500/100"
WAIVER_CODES = frozenset({"waiver_of_subrogation_specific", "waiver_of_subrogation_blanket"})
ENDORSEMENT_CODES = WAIVER_CODES | {"additional_insured", "primary_noncontributory"}
_EL_LIMITS = re.compile(r"^(\d{1,7})/(\d{1,7})/(\d{1,7})$")
_MOD_QUANTUM = Decimal("0.01")
_HUNDRED = Decimal(100)
_JURISDICTIONS_FACTS = guideline_citation("reference/rating-facts.md", "Jurisdictions")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Step(_Frozen):
    """One line of the worksheet an underwriter reads: what was computed, how, and the result."""

    name: str
    formula: str
    amount_cents: int


class Endorsement(_Frozen):
    """A per-assignment endorsement charge: charge_cents = basis premium x pct."""

    code: str
    form: str
    basis: str
    pct: Decimal
    charge_cents: int


class Charge(_Frozen):
    """A charge booked once (per customer/term or per policy), not part of the line's total."""

    code: str
    basis: str
    amount_cents: int


class PremiumBreakdown(_Frozen):
    """The rating worksheet of one line; JSON: cents as integers, rates and factors as strings."""

    line: Line
    basis_cents: int
    rate_per_100: Decimal
    manual_premium_cents: int
    el_limits: str | None
    el_limits_rated_as: str | None
    el_limits_factor: Decimal | None
    el_increased_limits_charge_cents: int
    experience_mod: Decimal | None
    modified_premium_cents: int
    endorsements: tuple[Endorsement, ...]
    total_cents: int
    term_charges: tuple[Charge, ...]
    policy_charges: tuple[Charge, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def steps(self) -> tuple[Step, ...]:
        """The worksheet, derived from the figures above (built when read or serialised)."""
        return worksheet_steps(self)


class ElLimitsRating(_Frozen):
    """How requested EL limits were rated: the tabulated level used and its factor."""

    requested: str
    rated_as: str
    factor: Decimal
    tabulated: bool
    above_highest: bool


class EndorsementRequest(_Frozen):
    """An endorsement asked for; `minimum_already_booked`: its minimum was booked this term."""

    code: str
    minimum_already_booked: bool = False


class RatedLine(_Frozen):
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


class UnratedLine(_Frozen):
    """A line not rated: monopolistic_state, state_not_written or trade_not_written."""

    outcome: Literal["not_rated"] = "not_rated"
    program: str
    line: Line
    state: str
    trade: str
    reason: Reason


# --- formulas -------------------------------------------------------------------------------


def manual_premium_cents(pay_cents: int, rate_per_100: Decimal) -> int:
    """manual = round_half_up(pay / 100 x rate_per_100, cent); in cents: pay_cents x rate / 100."""
    return round_half_up_cents(Decimal(pay_cents) * rate_per_100 / _HUNDRED)


def el_increased_limits_charge_cents(manual_cents: int, el_factor: Decimal) -> int:
    """el_charge = round_half_up(manual x (el_limits_factor - 1), cent)."""
    return round_half_up_cents(Decimal(manual_cents) * (el_factor - 1))


def modified_premium_cents(manual_cents: int, el_charge_cents: int, experience_mod: Decimal) -> int:
    """modified = round_half_up((manual + el_charge) x experience_mod, cent)."""
    return round_half_up_cents(Decimal(manual_cents + el_charge_cents) * experience_mod)


def endorsement_charge_cents(premium_cents: int, pct: Decimal) -> int:
    """endorsement = round_half_up(premium x pct, cent), premium being the modified premium."""
    return round_half_up_cents(Decimal(premium_cents) * pct)


def endorsement_minimum_cents(terms: EndorsementTerms, minimum_already_booked: bool) -> int:
    """The program minimum, booked once per customer (specific) or per term (blanket), else 0."""
    if minimum_already_booked or terms.minimum_basis == "none":
        return 0
    return terms.minimum_cents


def class_minimum_premium_cents(
    rate_per_100: Decimal, rule: MinimumPremiumRule, expense_constant_cents: int
) -> int:
    """minimum = min(cap, round_half_up(rate_per_100 x multiplier) dollars + expense constant)."""
    minimum = round_cents(rate_per_100 * rule.rate_multiplier)
    if rule.add_expense_constant:
        minimum += expense_constant_cents
    return minimum if rule.cap_cents is None else min(minimum, rule.cap_cents)


def minimum_premium_charge_cents(premium_with_constant_cents: int, minimum_cents: int) -> int:
    """charge = max(0, minimum - (premium + expense constant)): tops the premium up to minimum."""
    return max(0, minimum_cents - premium_with_constant_cents)


def round_experience_mod(experience_mod: Decimal | str) -> Decimal:
    """mod = round_half_up(experience_mod, 0.01); must be a positive number."""
    try:
        value = Decimal(experience_mod)
    except (InvalidOperation, ValueError, TypeError):
        raise RatingInputError(
            "invalid_experience_mod", f"experience mod {experience_mod!r} is not a number"
        ) from None
    if not value.is_finite():
        raise RatingInputError("invalid_experience_mod", "experience mod must be finite")
    rounded = value.quantize(_MOD_QUANTUM, rounding="ROUND_HALF_UP")
    if rounded <= 0:
        raise RatingInputError("invalid_experience_mod", "experience mod must be above 0")
    return rounded


def parse_el_limits(text: str) -> tuple[int, int, int]:
    """ "A/B/C" in thousands: each accident / disease policy limit / disease each employee."""
    match = _EL_LIMITS.match(text)
    if match is None or any(int(part) == 0 for part in match.groups()):
        raise RatingInputError(
            "invalid_el_limits",
            f"employer's liability limits {text!r} must read A/B/C in thousands, e.g. 100/500/100",
        )
    each_accident, policy_limit, each_employee = (int(part) for part in match.groups())
    return each_accident, policy_limit, each_employee


def el_limits_factor(levels: Sequence[ElLimitsLevel], limits: str) -> ElLimitsRating:
    """factor of the smallest tabulated level covering every component of the request.

    An exact tabulated level takes its own factor; a non-standard combination takes the factor of
    the first (smallest) level whose every component is at least the requested one; above the
    highest level, the highest factor applies (underwriting refers such limits anyway).
    """
    key = (id(levels), limits)
    cached = _EL_RATINGS.get(key)
    if cached is not None and cached[0] is levels:
        return cached[1]
    rating = _el_limits_factor(levels, limits)
    if len(_EL_RATINGS) < _EL_CACHE_SIZE:
        _EL_RATINGS[key] = (levels, rating)
    return rating


# Pure and called on every rating with a handful of distinct inputs: memoised per levels object
# (the entry keeps the object alive, so its id cannot be reused while cached).
_EL_CACHE_SIZE = 1024
_EL_RATINGS: dict[tuple[int, str], tuple[Sequence[ElLimitsLevel], ElLimitsRating]] = {}


def _el_limits_factor(levels: Sequence[ElLimitsLevel], limits: str) -> ElLimitsRating:
    requested = parse_el_limits(limits)
    for level in levels:
        components = level.components()
        if all(want <= have for want, have in zip(requested, components, strict=True)):
            return ElLimitsRating(
                requested=limits,
                rated_as=level.limits,
                factor=level.factor,
                tabulated=components == requested,
                above_highest=False,
            )
    highest = levels[-1]
    return ElLimitsRating(
        requested=limits,
        rated_as=highest.limits,
        factor=highest.factor,
        tabulated=False,
        above_highest=True,
    )


def policy_charges(
    program: Program, premium_cents: int, rate_per_100: Decimal
) -> tuple[Charge, ...]:
    """Per-policy charges of annual programs: expense constant, then the minimum premium top-up."""
    if program.per_dispatch:
        return ()
    charges = program.charges
    result: list[Charge] = []
    if charges.expense_constant_cents:
        result.append(
            Charge(
                code="expense_constant",
                basis="flat per policy",
                amount_cents=charges.expense_constant_cents,
            )
        )
    rule = charges.minimum_premium
    if rule is not None:
        minimum = class_minimum_premium_cents(rate_per_100, rule, charges.expense_constant_cents)
        top_up = minimum_premium_charge_cents(
            premium_cents + charges.expense_constant_cents, minimum
        )
        if top_up:
            result.append(
                Charge(
                    code="minimum_premium",
                    basis=f"minimum {_dollars(minimum)} = {rate_per_100} x "
                    f"{rule.rate_multiplier} + expense constant, cap "
                    f"{_dollars(rule.cap_cents) if rule.cap_cents else 'none'}",
                    amount_cents=top_up,
                )
            )
    return tuple(result)


# --- worksheets -----------------------------------------------------------------------------


def rate_wc(
    program: Program,
    pay_cents: int,
    rate_per_100: Decimal,
    *,
    el_limits: str = STANDARD_EL_LIMITS,
    experience_mod: Decimal | str = "1.00",
    endorsements: Sequence[EndorsementTerms] = (),
    minimums_booked: frozenset[str] = frozenset(),
) -> PremiumBreakdown:
    """WC worksheet: manual, EL increased-limits charge, experience mod, endorsements."""
    _check_pay(pay_cents)
    mod = round_experience_mod(experience_mod)
    el = el_limits_factor(program.charges.el_increased_limits, el_limits)
    manual = manual_premium_cents(pay_cents, rate_per_100)
    el_charge = el_increased_limits_charge_cents(manual, el.factor)
    modified = modified_premium_cents(manual, el_charge, mod)
    return _finish(
        program,
        "wc",
        pay_cents,
        rate_per_100,
        manual,
        modified,
        endorsements,
        minimums_booked,
        el=el,
        el_charge=el_charge,
        mod=mod,
    )


def rate_gl(
    program: Program,
    pay_cents: int,
    rate_per_100: Decimal,
    *,
    endorsements: Sequence[EndorsementTerms] = (),
    minimums_booked: frozenset[str] = frozenset(),
) -> PremiumBreakdown:
    """GL worksheet: manual = pay / 100 x rate_per_100 (no mod), plus endorsements."""
    _check_pay(pay_cents)
    manual = manual_premium_cents(pay_cents, rate_per_100)
    return _finish(
        program,
        "gl",
        pay_cents,
        rate_per_100,
        manual,
        manual,
        endorsements,
        minimums_booked,
        el=None,
        el_charge=0,
        mod=None,
    )


def _finish(
    program: Program,
    line: Line,
    pay_cents: int,
    rate_per_100: Decimal,
    manual: int,
    modified: int,
    endorsement_terms: Sequence[EndorsementTerms],
    minimums_booked: frozenset[str],
    *,
    el: ElLimitsRating | None,
    el_charge: int,
    mod: Decimal | None,
) -> PremiumBreakdown:
    endorsements = tuple(_endorsement(terms, modified, line) for terms in endorsement_terms)
    total = modified + sum(item.charge_cents for item in endorsements)
    return PremiumBreakdown(
        line=line,
        basis_cents=pay_cents,
        rate_per_100=rate_per_100,
        manual_premium_cents=manual,
        el_limits=el.requested if el else None,
        el_limits_rated_as=el.rated_as if el else None,
        el_limits_factor=el.factor if el else None,
        el_increased_limits_charge_cents=el_charge,
        experience_mod=mod,
        modified_premium_cents=modified,
        endorsements=endorsements,
        total_cents=total,
        term_charges=_term_charges(endorsement_terms, minimums_booked),
        policy_charges=policy_charges(program, modified, rate_per_100),
    )


def _endorsement(terms: EndorsementTerms, premium_cents: int, line: Line) -> Endorsement:
    return Endorsement(
        code=terms.code,
        form=terms.form,
        basis=f"{_pct(terms.pct)} of {_premium_name(line)}",
        pct=terms.pct,
        charge_cents=endorsement_charge_cents(premium_cents, terms.pct),
    )


def _term_charges(
    endorsement_terms: Sequence[EndorsementTerms], minimums_booked: frozenset[str]
) -> tuple[Charge, ...]:
    charges = []
    for terms in endorsement_terms:
        amount = endorsement_minimum_cents(terms, terms.code in minimums_booked)
        if amount:
            basis = terms.minimum_basis.replace("_", " ")
            charges.append(
                Charge(code=f"{terms.code}_minimum", basis=f"minimum, {basis}", amount_cents=amount)
            )
    return tuple(charges)


def worksheet_steps(breakdown: PremiumBreakdown) -> tuple[Step, ...]:
    """The breakdown as worksheet lines: name, formula with the figures used, amount."""
    b = breakdown
    steps = [
        Step(
            name="manual_premium",
            formula=f"pay {_dollars(b.basis_cents)} / 100 x rate {b.rate_per_100}",
            amount_cents=b.manual_premium_cents,
        )
    ]
    if b.line == "wc":
        steps += [
            Step(
                name="el_increased_limits_charge",
                formula=f"{_dollars(b.manual_premium_cents)} x ({b.el_limits_factor} - 1); "
                f"EL {b.el_limits} rated as {b.el_limits_rated_as}",
                amount_cents=b.el_increased_limits_charge_cents,
            ),
            Step(
                name="modified_premium",
                formula=f"({_dollars(b.manual_premium_cents)} + "
                f"{_dollars(b.el_increased_limits_charge_cents)}) x experience mod "
                f"{b.experience_mod}",
                amount_cents=b.modified_premium_cents,
            ),
        ]
    steps += [
        Step(
            name=item.code,
            formula=f"{_dollars(b.modified_premium_cents)} x {_pct(item.pct)} ({item.form})",
            amount_cents=item.charge_cents,
        )
        for item in b.endorsements
    ]
    steps.append(
        Step(
            name="total",
            formula=f"{_premium_name(b.line)} + endorsement charges",
            amount_cents=b.total_cents,
        )
    )
    return tuple(steps)


def _premium_name(line: Line) -> str:
    return "modified premium" if line == "wc" else "premium"


def _check_pay(pay_cents: int) -> None:
    if pay_cents < 0:
        raise RatingInputError("invalid_pay", "pay must be zero or more cents")


def _dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def _pct(pct: Decimal) -> str:
    return f"{(pct * _HUNDRED).normalize():f}%"


# --- one line of a quote or assignment --------------------------------------------------------


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
    reference.jurisdiction(state)
    requests = [_request(item) for item in endorsements] if endorsements else []
    not_rated = _not_rated_reason(reference, program, trade, state)
    if not_rated is not None:
        return UnratedLine(
            program=program.id, line=program.line, state=state, trade=trade, reason=not_rated
        )
    offered, reasons = _offered_endorsements(program, state, requests)
    booked = frozenset(item.code for item in requests if item.minimum_already_booked)
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


def _request(item: str | EndorsementRequest) -> EndorsementRequest:
    code = item if isinstance(item, str) else item.code
    if code not in ENDORSEMENT_CODES:
        raise RatingInputError(
            "unknown_endorsement",
            f"unknown endorsement {code!r}; known: {', '.join(sorted(ENDORSEMENT_CODES))}",
        )
    return _PLAIN_REQUESTS[code] if isinstance(item, str) else item


_PLAIN_REQUESTS = {code: EndorsementRequest(code=code) for code in ENDORSEMENT_CODES}


def monopolistic_state_reason(reference: ReferenceData, state: str) -> Reason | None:
    """WC in ND, OH, WA, WY comes only from the state fund: the reason, or None elsewhere."""
    jurisdiction = reference.jurisdiction(state)
    if not jurisdiction.monopolistic:
        return None
    return Reason(
        code="monopolistic_state",
        message=f"{jurisdiction.name} writes workers' compensation only through its "
        "monopolistic state fund",
        guideline=_JURISDICTIONS_FACTS,
    )


def _not_rated_reason(
    reference: ReferenceData, program: Program, trade: str, state: str
) -> Reason | None:
    jurisdiction = reference.jurisdiction(state)
    if program.line == "wc" and (monopolistic := monopolistic_state_reason(reference, state)):
        return monopolistic
    if state not in program.states:
        return Reason(
            code="state_not_written",
            message=f"program {program.id} does not write {jurisdiction.name}",
        )
    if trade not in program.trades:
        return Reason(
            code="trade_not_written", message=f"program {program.id} does not write {trade}"
        )
    return None


def _offered_endorsements(
    program: Program, state: str, requests: Sequence[EndorsementRequest]
) -> tuple[list[EndorsementTerms], list[Reason]]:
    """The endorsements the program gives in the state, and a reason for each it cannot."""
    offered: list[EndorsementTerms] = []
    reasons: list[Reason] = []
    for request in requests:
        terms = program.endorsement(request.code)
        if terms is not None and state not in terms.unavailable_states:
            offered.append(terms)
            continue
        code = (
            "waiver_not_available" if request.code in WAIVER_CODES else "endorsement_not_available"
        )
        where = f"in {state}" if terms is not None else "under this program"
        section = terms.guideline_section if terms is not None else None
        reasons.append(
            Reason(
                code=code,
                message=f"{request.code.replace('_', ' ')} is not available {where} "
                f"({program.id}); the line is rated without it",
                guideline=guideline_citation(program.guidelines, section)
                if section
                else program.guidelines,
            )
        )
    return offered, reasons
