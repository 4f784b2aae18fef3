"""A line's premium worksheet from its pay and rate: `rate_wc` and `rate_gl`, and their charges."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from chalicelib.domain.rating.breakdown import Charge, Endorsement, PremiumBreakdown
from chalicelib.domain.rating.el_limits import STANDARD_EL_LIMITS, ElLimitsRating, el_limits_factor
from chalicelib.domain.rating.formatting import dollars, pct, premium_name
from chalicelib.domain.rating.formulas import (
    class_minimum_premium_cents,
    el_increased_limits_charge_cents,
    endorsement_charge_cents,
    endorsement_minimum_cents,
    manual_premium_cents,
    minimum_premium_charge_cents,
    modified_premium_cents,
    round_experience_mod,
)
from chalicelib.domain.rating.memo import identity_memo
from chalicelib.domain.reference import EndorsementTerms, Line, Program, RatingInputError


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
                    basis=f"minimum {dollars(minimum)} = {rate_per_100} x "
                    f"{rule.rate_multiplier} + expense constant, cap "
                    f"{dollars(rule.cap_cents) if rule.cap_cents else 'none'}",
                    amount_cents=top_up,
                )
            )
    return tuple(result)


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
    endorsements = tuple([_endorsement(terms, modified, line) for terms in endorsement_terms])
    total = modified
    for item in endorsements:
        total += item.charge_cents
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
        basis=_endorsement_basis(terms, line),
        pct=terms.pct,
        charge_cents=endorsement_charge_cents(premium_cents, terms.pct),
    )


def _term_charges(
    endorsement_terms: Sequence[EndorsementTerms], minimums_booked: frozenset[str]
) -> tuple[Charge, ...]:
    if not endorsement_terms:
        return ()
    charges: list[Charge] = []
    for terms in endorsement_terms:
        charges += _minimum_charge(terms, terms.code in minimums_booked)
    return tuple(charges)


# Texts and charges that depend on the program's terms alone: built once per terms object.


@identity_memo
def _endorsement_basis(terms: EndorsementTerms, line: Line) -> str:
    return f"{pct(terms.pct)} of {premium_name(line)}"


@identity_memo
def _minimum_charge(terms: EndorsementTerms, minimum_already_booked: bool) -> tuple[Charge, ...]:
    """The endorsement's minimum as a term charge: one, or none if booked already or none due."""
    amount = endorsement_minimum_cents(terms, minimum_already_booked)
    if not amount:
        return ()
    basis = terms.minimum_basis.replace("_", " ")
    return (Charge(code=f"{terms.code}_minimum", basis=f"minimum, {basis}", amount_cents=amount),)


def _check_pay(pay_cents: int) -> None:
    if pay_cents < 0:
        raise RatingInputError("invalid_pay", "pay must be zero or more cents")
