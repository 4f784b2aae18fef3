"""Complete application answers for a risk that every multistate rule lets through.

A WC line is never eligible on silence (API.md "The application"): tests that want an eligible
quote send these in `operations`.
"""

from __future__ import annotations

from typing import Any

CLEAN_ANSWERS: dict[str, Any] = {
    "max_height_feet": 12,
    "max_depth_feet": 0,
    "subcontracted_pay_pct": 0,
    "cash_labor_pct": 0,
    "hazards": [],
}


def answers(**overrides: Any) -> dict[str, Any]:
    """The clean answers with some replaced."""
    return {**CLEAN_ANSWERS, **overrides}
