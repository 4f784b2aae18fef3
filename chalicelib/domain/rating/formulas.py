"""The premium formulas, one small function each; every figure is half-up to the cent."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from chalicelib.domain.money import round_cents, round_half_up_cents
from chalicelib.domain.reference import EndorsementTerms, MinimumPremiumRule, RatingInputError

_MOD_QUANTUM = Decimal("0.01")
_HUNDRED = Decimal(100)


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
    if type(experience_mod) is str:
        # As sent by the API: a few distinct texts, each parsed once.
        cached = _MODS_BY_TEXT.get(experience_mod)
        if cached is None:
            cached = _round_experience_mod(experience_mod)
            if len(_MODS_BY_TEXT) < _MODS_CACHE_SIZE:
                _MODS_BY_TEXT[experience_mod] = cached
        return cached
    return _round_experience_mod(experience_mod)


_MODS_CACHE_SIZE = 4096
_MODS_BY_TEXT: dict[str, Decimal] = {}


def _round_experience_mod(experience_mod: Decimal | str) -> Decimal:
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
