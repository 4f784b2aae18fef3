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

Modules: `formulas` (each formula), `el_limits` (EL levels), `breakdown` (the worksheet model),
`premium` (`rate_wc`, `rate_gl`), `endorsements` (what is asked for and offered), `lines`
(`rate_line`: class, rate and breakdown of one line). Import from this package.
"""

from __future__ import annotations

from chalicelib.domain.rating.breakdown import (
    Charge,
    Endorsement,
    PremiumBreakdown,
    Step,
    worksheet_steps,
)
from chalicelib.domain.rating.el_limits import (
    STANDARD_EL_LIMITS,
    ElLimitsRating,
    el_limits_factor,
    parse_el_limits,
)
from chalicelib.domain.rating.endorsements import (
    ENDORSEMENT_CODES,
    WAIVER_CODES,
    EndorsementRequest,
)
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
from chalicelib.domain.rating.lines import (
    RatedLine,
    UnratedLine,
    monopolistic_state_reason,
    rate_line,
)
from chalicelib.domain.rating.premium import policy_charges, rate_gl, rate_wc
from chalicelib.domain.reference import RatingInputError

__all__ = [
    "ENDORSEMENT_CODES",
    "STANDARD_EL_LIMITS",
    "WAIVER_CODES",
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
    "monopolistic_state_reason",
    "parse_el_limits",
    "policy_charges",
    "rate_gl",
    "rate_line",
    "rate_wc",
    "round_experience_mod",
    "worksheet_steps",
]
