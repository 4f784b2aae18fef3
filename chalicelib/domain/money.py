"""Exact money: integer cents and Decimal, rounded half-up to the cent (API.md "Conventions")."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def round_cents(amount_dollars: Decimal) -> int:
    """cents = round_half_up(amount_dollars, 0.01) * 100."""
    return int(
        (amount_dollars.quantize(CENT, rounding=ROUND_HALF_UP) * HUNDRED).to_integral_value()
    )


def round_half_up_cents(amount_cents: Decimal) -> int:
    """cents = round_half_up(amount_cents, 1)."""
    # The context's method is amount_cents.to_integral_value(rounding=ROUND_HALF_UP) without the
    # keyword parsing (rounding to an integer uses no precision): half the cost on the rating path.
    return int(_HALF_UP.to_integral_value(amount_cents))


_HALF_UP = Context(rounding=ROUND_HALF_UP)


def round_up_to_dollar_cents(amount_cents: int) -> int:
    """cents = ceil(amount_cents / 100) * 100 (California: "next higher whole dollar")."""
    dollars = (Decimal(amount_cents) / HUNDRED).to_integral_value(rounding=ROUND_CEILING)
    return int(dollars * HUNDRED)


def cents_to_dollars(amount_cents: int) -> Decimal:
    """dollars = cents / 100, exact."""
    return Decimal(amount_cents) / HUNDRED
