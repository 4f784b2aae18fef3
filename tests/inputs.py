"""Requests as the services take them, with the defaults the tests share (one place for a
`QuoteInput`'s many fields)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.services.quotes import QuoteInput


def quote_input(
    contractor: str,
    *,
    trade: str,
    work_state: str,
    lines: tuple[str, ...],
    effective_date: date,
    **fields: Any,
) -> QuoteInput:
    """An annual guaranteed-cost quote request, no customer, no answers; `fields` override."""
    defaults: dict[str, Any] = {
        "end_date": None,
        "estimated_annual_pay_cents": 4_000_000,
        "hourly_wage_cents": None,
        "customer": None,
        "employers_liability_limits": "100/500/100",
        "deductible_cents": 0,
        "rating_plan": "guaranteed_cost",
        "operations": {},
        "requested_coverages": (),
        "raw": {},
    }
    return QuoteInput(
        contractor=contractor,
        trade=trade,
        work_state=work_state,
        lines=lines,
        effective_date=effective_date,
        **{**defaults, **fields},
    )
