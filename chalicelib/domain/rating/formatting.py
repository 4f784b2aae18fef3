"""How figures read in a worksheet: dollars, percentages, the premium endorsements are on."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.reference import Line

_HUNDRED = Decimal(100)


def dollars(cents: int) -> str:
    """-12345 -> "-$123.45": sign, thousands separators, two decimals."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def pct(fraction: Decimal) -> str:
    """Decimal("0.05") -> "5%"."""
    return f"{(fraction * _HUNDRED).normalize():f}%"


def premium_name(line: Line) -> str:
    """What endorsements are a percentage of: WC's modified premium, GL's premium."""
    return "modified premium" if line == "wc" else "premium"
