"""Underwriting through the quote and dispatch use cases, on the in-memory fakes: limits on the
figures the API has, coverages screened by the program that takes the line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.services.quotes import QuoteInput
from tests import inputs
from tests.answers import CLEAN_ANSWERS
from tests.fakes import FakeApp
from tests.unit.test_services_on_fakes import PLATFORM, contractor


def quote_input(contractor_id: str, app: FakeApp, **overrides: Any) -> QuoteInput:
    fields: dict[str, Any] = {
        "trade": "hvac",
        "work_state": "TX",
        "lines": ("wc",),
        "effective_date": app.clock.now().date() + timedelta(days=1),
        "operations": dict(CLEAN_ANSWERS),
        **overrides,
    }
    return inputs.quote_input(contractor_id, **fields)


def california_contractor(app: FakeApp) -> str:
    return contractor(
        app,
        entity_type="corporation",
        tin_type="fein",
        has_employees=True,
        employee_count=40,
        years_in_business=12,
        losses_valued_on=app.clock.now().date() - timedelta(days=10),
        material_change_in_operations=False,
        address={"line1": "1 Market", "city": "Fresno", "state": "CA", "postal_code": "93721"},
    )


def test_the_payroll_limit_reads_the_quotes_own_estimated_pay():
    app = FakeApp()
    quoted = app.quotes.create_quote(
        PLATFORM, quote_input(contractor(app), app, estimated_annual_pay_cents=1_500_000_001)
    )
    wc = quoted.lines["wc"]
    assert wc.status == "declined"
    assert "total_payroll_above_maximum" in [r.code for r in wc.reasons]


def test_a_california_risk_requesting_foreign_coverage_is_screened_not_only_referred():
    app = FakeApp()
    quoted = app.quotes.create_quote(
        PLATFORM,
        quote_input(
            california_contractor(app),
            app,
            work_state="CA",
            trade="plumbing",
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
            requested_coverages=("foreign", "uslh"),
        ),
    )
    wc = quoted.lines["wc"]
    assert wc.status == "declined"
    california, multistate = wc.considered
    assert california.program == "california-wc"
    assert california.reasons[0].code == "exposure_outside_california"
    assert multistate.program == "multistate-wc"
    assert {"prohibited_coverage_foreign", "prohibited_coverage_uslh"} <= {
        r.code for r in multistate.reasons
    }


def test_without_requested_coverages_the_california_risk_is_referred_for_binding_authority():
    app = FakeApp()
    quoted = app.quotes.create_quote(
        PLATFORM,
        quote_input(
            california_contractor(app),
            app,
            work_state="CA",
            trade="plumbing",
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        ),
    )
    wc = quoted.lines["wc"]
    assert (wc.status, wc.program) == ("referred", "california-wc")
    assert "underwriter_binding_authority" in [r.code for r in wc.reasons]
