"""Employer's liability limits: parse "A/B/C" and find the tabulated level that rates it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from chalicelib.domain.rating.breakdown import Frozen
from chalicelib.domain.rating.memo import identity_memo
from chalicelib.domain.reference import ElLimitsLevel, RatingInputError

STANDARD_EL_LIMITS = "100/500/100"
_EL_LIMITS = re.compile(r"^(\d{1,7})/(\d{1,7})/(\d{1,7})$")


class ElLimitsRating(Frozen):
    """How requested EL limits were rated: the tabulated level used and its factor."""

    requested: str
    rated_as: str
    factor: Decimal
    tabulated: bool
    above_highest: bool


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


# Pure and called on every rating with a handful of distinct inputs per program.
@identity_memo
def el_limits_factor(levels: Sequence[ElLimitsLevel], limits: str) -> ElLimitsRating:
    """factor of the smallest tabulated level covering every component of the request.

    An exact tabulated level takes its own factor; a non-standard combination takes the factor of
    the first (smallest) level whose every component is at least the requested one; above the
    highest level, the highest factor applies (underwriting refers such limits anyway).
    """
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
