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
    endorsement_base_cents,
    endorsement_charge_cents,
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
    el_factor: Decimal | None = None,
) -> PremiumBreakdown:
    """WC worksheet: manual, EL increased-limits charge, experience mod, endorsements.

    `el_factor`: the factor an underwriter approved for EL limits above the program's table."""
    _check_pay(pay_cents)
    mod = round_experience_mod(experience_mod)
    el = el_limits_factor(program.charges.el_increased_limits, el_limits)
    if el_factor is not None:
        el = el.model_copy(update={"factor": el_factor, "rated_as": f"{el_limits} (approved)"})
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
        el=None,
        el_charge=0,
        mod=None,
    )


def rerate_breakdown(
    program: Program,
    breakdown: PremiumBreakdown,
    pay_cents: int,
    el_factor: Decimal | None = None,
) -> PremiumBreakdown:
    """The same line on other pay (actuals) or at an approved EL factor: same rate, mod, EL
    limits and endorsements; the factor used stays unless `el_factor` replaces it."""
    codes = [e.code for e in breakdown.endorsements] + [c.code for c in breakdown.term_charges]
    terms = [found for code in codes if (found := program.endorsement(code)) is not None]
    if breakdown.line == "wc":
        return rate_wc(
            program,
            pay_cents,
            breakdown.rate_per_100,
            el_limits=breakdown.el_limits or STANDARD_EL_LIMITS,
            experience_mod=breakdown.experience_mod or Decimal("1.00"),
            endorsements=terms,
            el_factor=el_factor or breakdown.el_limits_factor,
        )
    return rate_gl(program, pay_cents, breakdown.rate_per_100, endorsements=terms)


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
    *,
    el: ElLimitsRating | None,
    el_charge: int,
    mod: Decimal | None,
) -> PremiumBreakdown:
    """total = modified + each per-job endorsement; endorsements covering many jobs (per
    customer per term, per term) are shown as term charges on this line alone."""
    endorsements = tuple(
        _endorsement(terms, manual, modified, line)
        for terms in endorsement_terms
        if terms.scope == "per_job"
    )
    total = modified
    for item in endorsements:
        total += item.charge_cents
    term_charges = tuple(
        charge
        for terms in endorsement_terms
        if terms.scope != "per_job"
        and (charge := _term_charge(terms, manual, modified, line)).amount_cents
    )
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
        term_charges=term_charges,
        policy_charges=policy_charges(program, modified, rate_per_100),
    )


def _endorsement(terms: EndorsementTerms, manual: int, modified: int, line: Line) -> Endorsement:
    base = endorsement_base_cents(terms, manual, modified)
    return Endorsement(
        code=terms.code,
        form=terms.form,
        basis=_endorsement_basis(terms, line),
        pct=terms.pct,
        minimum_cents=terms.minimum_cents,
        premium_base=terms.premium_base,
        charge_cents=endorsement_charge_cents(base, terms.pct, terms.minimum_cents),
    )


def _term_charge(terms: EndorsementTerms, manual: int, modified: int, line: Line) -> Charge:
    """An endorsement over many jobs, on this line's premium alone (what a quote can show)."""
    base = endorsement_base_cents(terms, manual, modified)
    return Charge(
        code=terms.code,
        basis=_endorsement_basis(terms, line),
        amount_cents=endorsement_charge_cents(base, terms.pct, terms.minimum_cents),
    )


# Texts that depend on the program's terms alone: built once per terms object.


@identity_memo
def _endorsement_basis(terms: EndorsementTerms, line: Line) -> str:
    """ "max(5% of manual premium, $50.00) per job", "5% of modified premium" ..."""
    base = "manual premium" if terms.premium_base == "manual" else premium_name(line)
    applied = f"{pct(terms.pct)} of {base}"
    if terms.minimum_cents:
        applied = f"max({applied}, {dollars(terms.minimum_cents)})"
    scope = {
        "per_job": "per job",
        "per_customer_per_term": "per customer-of-record per policy term, over its jobs",
        "per_term": "per policy term, over every job",
    }[terms.scope]
    return f"{applied} {scope}"


def _check_pay(pay_cents: int) -> None:
    if pay_cents < 0:
        raise RatingInputError("invalid_pay", "pay must be zero or more cents")
