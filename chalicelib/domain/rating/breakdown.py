"""The rating worksheet of one line: `PremiumBreakdown`, its parts and its readable steps."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, computed_field

from chalicelib.domain.rating.formatting import dollars, pct, premium_name
from chalicelib.domain.reference import Line


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Step(Frozen):
    """One line of the worksheet an underwriter reads: what was computed, how, and the result."""

    name: str
    """The step: `manual_premium`, `el_increased_limits_charge`, `modified_premium`, an
    endorsement's code, or `total`."""
    formula: str
    """The formula with the figures used."""
    amount_cents: int
    """The step's result, in cents (rounded half-up)."""


class Endorsement(Frozen):
    """A per-job endorsement charge: charge_cents = max(base premium x pct, minimum)."""

    code: str
    """The endorsement's code."""
    form: str
    """The endorsement form."""
    basis: str
    """The premium the percentage applies to."""
    pct: Decimal
    """The program's percentage, as a decimal string (`"0.05"`)."""
    minimum_cents: int = 0
    """The program's minimum charge for the endorsement, in cents (0: none)."""
    premium_base: str = "modified"
    """The premium the percentage applies to (`manual` or `modified`)."""
    charge_cents: int
    """The charge, in cents."""


class Charge(Frozen):
    """A charge not part of the line's per-job total: an endorsement one of which covers many
    jobs (per customer per term, per term: the amount shown is this line's alone) or a policy
    charge of an annual program."""

    code: str
    """The charge's code (`expense_constant`, `minimum_premium`, a waiver's minimum...)."""
    basis: str
    """What it is booked per (`per_customer_per_term`, `per_policy`...)."""
    amount_cents: int
    """The amount, in cents."""


class PremiumBreakdown(Frozen):
    """The rating worksheet of one line; JSON: cents as integers, rates and factors as strings."""

    line: Line
    """`wc` or `gl`."""
    basis_cents: int
    """The pay rated, in cents."""
    rate_per_100: Decimal
    """Premium dollars per $100 of pay."""
    manual_premium_cents: int
    """pay / 100 x rate."""
    el_limits: str | None
    """WC: the employers' liability limits asked for."""
    el_limits_rated_as: str | None
    """WC: the limits the factor was taken for."""
    el_limits_factor: Decimal | None
    """WC: the EL increased-limits factor."""
    el_increased_limits_charge_cents: int
    """WC: manual premium x (factor - 1)."""
    experience_mod: Decimal | None
    """WC: the experience modification factor; null for GL."""
    modified_premium_cents: int
    """(manual premium + EL charge) x experience mod (GL: the manual premium)."""
    endorsements: tuple[Endorsement, ...]
    """Endorsement charges added to the line."""
    total_cents: int
    """The line's premium: modified premium plus endorsement charges."""
    term_charges: tuple[Charge, ...]
    """Charges booked once per customer and term (a waiver's minimum), not in `total_cents`."""
    policy_charges: tuple[Charge, ...]
    """Charges booked once per policy term (annual programs), not in `total_cents`."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def steps(self) -> tuple[Step, ...]:
        """The worksheet, derived from the figures above (built when read or serialised)."""
        return worksheet_steps(self)


def worksheet_steps(breakdown: PremiumBreakdown) -> tuple[Step, ...]:
    """The breakdown as worksheet lines: name, formula with the figures used, amount."""
    b = breakdown
    steps = [
        Step(
            name="manual_premium",
            formula=f"pay {dollars(b.basis_cents)} / 100 x rate {b.rate_per_100}",
            amount_cents=b.manual_premium_cents,
        )
    ]
    if b.line == "wc":
        steps += [
            Step(
                name="el_increased_limits_charge",
                formula=f"{dollars(b.manual_premium_cents)} x ({b.el_limits_factor} - 1); "
                f"EL {b.el_limits} rated as {b.el_limits_rated_as}",
                amount_cents=b.el_increased_limits_charge_cents,
            ),
            Step(
                name="modified_premium",
                formula=f"({dollars(b.manual_premium_cents)} + "
                f"{dollars(b.el_increased_limits_charge_cents)}) x experience mod "
                f"{b.experience_mod}",
                amount_cents=b.modified_premium_cents,
            ),
        ]
    steps += [
        Step(
            name=item.code,
            formula=_endorsement_formula(b, item),
            amount_cents=item.charge_cents,
        )
        for item in b.endorsements
    ]
    steps.append(
        Step(
            name="total",
            formula=f"{premium_name(b.line)} + endorsement charges",
            amount_cents=b.total_cents,
        )
    )
    return tuple(steps)


def _endorsement_formula(b: PremiumBreakdown, item: Endorsement) -> str:
    base = b.manual_premium_cents if item.premium_base == "manual" else b.modified_premium_cents
    applied = f"{dollars(base)} x {pct(item.pct)}"
    if item.minimum_cents:
        applied = f"max({applied}, minimum {dollars(item.minimum_cents)})"
    return f"{applied} ({item.form})"
