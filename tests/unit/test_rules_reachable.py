"""Every rule in the data can be triggered by some request: a contractor as POST /v1/contractors
takes it, a quote as POST /v1/quotes takes it, a dispatch as POST /v1/assignments takes it, run
through the use cases (in-memory fakes). A rule no request can reach is not kept in the data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.assignments import Pay
from chalicelib.underwriting_rules import load_rulebook, rulebook_programs
from tests.answers import answers
from tests.fakes import FakeApp
from tests.unit.test_new_classes import CA, california_policy
from tests.unit.test_services_on_fakes import PLATFORM, contractor, job
from tests.unit.test_underwriting_services import quote_input

Found = set[tuple[str, str]]  # (program, reason code)
CALIFORNIA = {
    "entity_type": "corporation",
    "tin_type": "fein",
    "has_employees": True,
    "employee_count": 40,
    "years_in_business": 12,
    "address": {"line1": "1 Market", "city": "Fresno", "state": "CA", "postal_code": "93721"},
}
CA_QUOTE = {
    "work_state": "CA",
    "trade": "plumbing",
    "estimated_annual_pay_cents": 400_000_000,
    "hourly_wage_cents": 4000,
}


def found_in_quote(app: FakeApp, contractor_id: str, **overrides: Any) -> Found:
    quoted = app.quotes.create_quote(PLATFORM, quote_input(contractor_id, app, **overrides))
    found: Found = set()
    for line in quoted.lines.values():
        found |= {(line.program or "", r.code) for r in line.reasons}
        for considered in line.considered:
            found |= {(considered.program, r.code) for r in considered.reasons}
    return found


def quote(
    contractor_fields: dict[str, Any] | None = None, **overrides: Any
) -> Callable[..., Found]:
    overrides.setdefault("lines", ("wc", "gl"))

    def run(app: FakeApp) -> Found:
        fields = dict(contractor_fields or {})
        if fields.get("address", {}).get("state") == "CA":
            today = app.clock.now().date()
            fields.setdefault("losses_valued_on", today - timedelta(days=10))
            fields.setdefault("material_change_in_operations", False)
        return found_in_quote(app, contractor(app, **fields), **overrides)

    return run


def california(contractor_fields: dict[str, Any] | None = None, **overrides: Any):
    return quote(
        {**CALIFORNIA, **(contractor_fields or {})}, lines=("wc",), **{**CA_QUOTE, **overrides}
    )


def with_customer(requirements: dict[str, bool], **overrides: Any) -> Callable[..., Found]:
    def run(app: FakeApp) -> Found:
        customer_id = app.parties.create_customer(
            PLATFORM,
            {
                "name": "Harbor PM",
                "address": {
                    "line1": "9 Pier",
                    "city": "Hoboken",
                    "state": "NJ",
                    "postal_code": "07030",
                },
                "requirements": requirements,
            },
        ).id
        return found_in_quote(app, contractor(app), customer=customer_id, **overrides)

    return run


def california_dispatch(description: str | None, days_back: int) -> Callable[..., Found]:
    def run(app: FakeApp) -> Found:
        contractor_id, _ = california_policy(app)
        customer_id = app.parties.create_customer(
            PLATFORM,
            {
                "name": "Valley PG",
                "address": {
                    "line1": "2 Elm",
                    "city": "Fresno",
                    "state": "CA",
                    "postal_code": "93721",
                },
                "requirements": {"waiver_of_subrogation": True},
            },
        ).id
        app.clock.advance(days=3)
        request = replace(
            job(app, contractor_id, "ca", customer_id=customer_id, start_in_hours=-24 * days_back),
            trade="plumbing",
            work_address=CA,
            lines=("wc",),
            description=description,
            pay=Pay(amount_cents=40_000, basis="flat"),
        )
        bound = app.assignments.create(PLATFORM, request)
        return {(c.program or "", r.code) for c in bound.coverage.values() for r in c.reasons}

    return run


def backdated(**overrides: Any) -> Callable[..., Found]:
    def run(app: FakeApp) -> Found:
        effective = app.clock.now().date() - timedelta(days=1)
        return found_in_quote(app, contractor(app), effective_date=effective, **overrides)

    return run


SMALL_CA = {"estimated_annual_pay_cents": 1_000_000, "hourly_wage_cents": 4000}
LAPSED = {"status": "lapsed", "lapse_start": "2025-06-01", "lapse_documented": True}
SCENARIOS: dict[str, Callable[[FakeApp], Found]] = {
    "pie.new_venture": quote(
        {"entity_type": "llc", "tin_type": "fein", "prior_coverage": {"status": "none"}}
    ),
    "pie.lapse.preferred_class": quote({"prior_coverage": LAPSED}, trade="painting"),
    "pie.lapse.other_class": quote({"prior_coverage": LAPSED}),
    "pie.undocumented_coverage_gap": quote(
        {"prior_coverage": {**LAPSED, "lapse_documented": False}}
    ),
    "pie.max_modified_premium": quote(trade="roofing", estimated_annual_pay_cents=1_400_000_000),
    "pie.el_limits_above_1m": quote(employers_liability_limits="2000/2000/2000"),
    "pie.emod_maximum": quote({"experience_mod": "2.50"}),
    "pie.emod_online_minimum": quote({"experience_mod": "0.30"}),
    "pie.deductible_above_premium": quote(deductible_cents=10_000_000),
    "pie.backdated": backdated(),
    "pie.fein_required": quote(operations=answers(employee_count=3)),
    "pie.ssn_only_for_sole_proprietors": quote({"entity_type": "llc"}),
    "pie.waiver_not_available": with_customer({"waiver_of_subrogation": True}, work_state="NJ"),
    "pie.additional_insured_not_allowed": with_customer({"additional_insured": True}),
    "pie.non_guaranteed_cost": quote(rating_plan="retrospective"),
    "pie.prohibited.height_over_30_feet": quote(operations=answers(max_height_feet=31)),
    "pie.prohibited.depth_over_15_feet": quote(operations=answers(max_depth_feet=16)),
    "pie.prohibited.payroll_over_15mm": quote(estimated_annual_pay_cents=1_500_000_001),
    "pie.prohibited.employees_over_500": quote(
        {"tin_type": "fein", "entity_type": "corporation", "has_employees": True},
        operations=answers(employee_count=501),
    ),
    "pie.prohibited.subcontracted_over_50_pct": quote(operations=answers(subcontracted_pay_pct=51)),
    "pie.prohibited.cash_labor_over_30_pct": quote(operations=answers(cash_labor_pct=31)),
    "icw.california_only": california(requested_coverages=("foreign",)),
    "icw.voluntary_wc_review": california(requested_coverages=("voluntary_wc",)),
    "icw.minimum_premium.contractor": california(trade="roofing", **SMALL_CA),
    "icw.minimum_premium.artisan": california(**SMALL_CA),
    "icw.minimum_premium.landscape": california(trade="landscaping", **SMALL_CA),
    "icw.minimum_premium.non_contractor": california(trade="janitorial", **SMALL_CA),
    "icw.four_years_in_business": california({"years_in_business": 3}),
    "icw.current_coverage_required": california({"prior_coverage": LAPSED}),
    "icw.no_new_ventures": california({"prior_coverage": {"status": "none"}}),
    "icw.large_loss_description": california(
        {"losses": [{"date": "2025-01-05", "amount_cents": 2_600_000}]}
    ),
    "icw.loss_data_valuation": california({"losses_valued_on": "2025-01-01"}),
    "icw.stable_operations": california({"material_change_in_operations": True}),
    "icw.guaranteed_cost_only": california(rating_plan="retrospective"),
    "icw.no_deductible_programs": california(deductible_cents=100_000),
    "icw.short_term_policy": lambda app: california(
        end_date=app.clock.now().date() + timedelta(days=180)
    )(app),
    "icw.underwriter_binding_authority": california(),
    "icw.no_backdating": california_dispatch("replace a water heater", days_back=1),
    "icw.waiver_job_details": california_dispatch(None, days_back=0),
    "icw.waiver_backdated": california_dispatch("replace a water heater", days_back=1),
    "gl.roofing_height": quote(
        trade="roofing", lines=("gl",), operations=answers(max_height_feet=31)
    ),
    "gl.height_referral": quote(lines=("gl",), operations=answers(max_height_feet=31)),
    "gl.excavation_depth": quote(lines=("gl",), operations=answers(max_depth_feet=16)),
    "gl.subcontracted_over_25_pct": quote(
        lines=("gl",), operations=answers(subcontracted_pay_pct=26)
    ),
    "gl.backdated": backdated(lines=("gl",)),
}
for _program in ("multistate-wc", "contractors-gl"):
    for _rule in load_rulebook(_program).rules:
        for _hazard in _rule.hazards()[:1]:
            SCENARIOS.setdefault(_rule.id, quote(operations=answers(hazards=[_hazard])))
for _coverage in ("foreign", "outer_continental_shelf", "defense_base_act", "nonappropriated_fund",
                  "jones_act", "uslh", "federal_coal_mine", "fela", "voluntary_wc"):  # fmt: skip
    SCENARIOS[f"pie.prohibited_coverage.{_coverage}"] = quote(requested_coverages=(_coverage,))

RULES = [(p, r.id, r.code) for p in rulebook_programs() for r in load_rulebook(p).rules]


def test_every_rule_has_a_request_that_triggers_it():
    assert {rule_id for _, rule_id, _ in RULES} == set(SCENARIOS)


@pytest.mark.parametrize(("program", "rule_id", "code"), RULES, ids=[r for _, r, _ in RULES])
def test_the_request_triggers_the_rule(program: str, rule_id: str, code: str) -> None:
    assert (program, code) in SCENARIOS[rule_id](FakeApp())
