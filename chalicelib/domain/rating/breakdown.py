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
    formula: str
    amount_cents: int


class Endorsement(Frozen):
    """A per-assignment endorsement charge: charge_cents = basis premium x pct."""

    code: str
    form: str
    basis: str
    pct: Decimal
    charge_cents: int


class Charge(Frozen):
    """A charge booked once (per customer/term or per policy), not part of the line's total."""

    code: str
    basis: str
    amount_cents: int


class PremiumBreakdown(Frozen):
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
            formula=f"{dollars(b.modified_premium_cents)} x {pct(item.pct)} ({item.form})",
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
