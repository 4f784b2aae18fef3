"""Facts builders for the underwriting tests, and the one-trigger-per-rule table.

`TRIGGERS` maps every rule id of every packaged rulebook to facts that fire it; the tests here
prove each trigger fires its rule and each program's clean baseline fires none of its declines
or referrals, so a rule added to a data file without a test fails the suite.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.underwriting import (
    ContractorFacts,
    EmployersLiabilityLimits,
    Loss,
    OperationsFacts,
    PriorCoverage,
    UnderwritingFacts,
    evaluate,
    evaluate_rule,
)
from chalicelib.underwriting_rules import load_rulebook, rulebook_programs

TODAY = date(2026, 3, 2)


def clean_facts(**top: Any) -> UnderwritingFacts:
    """A sole-proprietor HVAC tech in Texas that every multistate and GL rule lets through."""
    base = UnderwritingFacts(
        state="TX",
        trade="hvac",
        contractor_type="artisan",
        preferred_class=False,
        contractor=ContractorFacts(
            entity_type="sole_proprietor",
            tin_type="ssn",
            has_employees=False,
            years_in_business=Decimal(5),
            experience_mod=Decimal("1.00"),
            prior_coverage=PriorCoverage(status="current"),
        ),
        operations=OperationsFacts(
            max_height_feet=Decimal(12),
            max_depth_feet=Decimal(0),
            subcontracted_pay_pct=Decimal(0),
            cash_labor_pct=Decimal(0),
            hazards=frozenset(),
        ),
        effective_date=TODAY,
        bind_date=TODAY,
        estimated_premium_cents=120_000,
        modified_premium_cents=120_000,
    )
    return with_(base, **top)


def california_facts(**top: Any) -> UnderwritingFacts:
    """A California artisan risk above the ICW minimum, quoted by the underwriter channel."""
    base = clean_facts(
        state="CA",
        channel="underwriter",
        estimated_premium_cents=6_000_000,
        modified_premium_cents=6_000_000,
        contractor={
            "loss_data_valued_on": TODAY - timedelta(days=10),
            "material_change_in_operations": False,
        },
    )
    return with_(base, **top)


def with_(
    facts: UnderwritingFacts,
    contractor: dict[str, Any] | None = None,
    operations: dict[str, Any] | None = None,
    waiver: dict[str, Any] | None = None,
    prior: dict[str, Any] | None = None,
    **top: Any,
) -> UnderwritingFacts:
    """A copy with nested and top-level facts replaced, re-validated."""
    data = facts.model_dump()
    data["contractor"].update(contractor or {})
    data["contractor"]["prior_coverage"].update(prior or {})
    data["operations"].update(operations or {})
    data["waiver"].update(waiver or {})
    data.update(top)
    return UnderwritingFacts.model_validate(data)


def described(text: str, base: UnderwritingFacts | None = None) -> UnderwritingFacts:
    return with_(base or clean_facts(), operations={"description": text})


def _ca(**kwargs: Any) -> UnderwritingFacts:
    return california_facts(**kwargs)


_LAPSED = {"status": "lapsed", "lapse_start": date(2025, 6, 1), "lapse_end": date(2025, 9, 1)}
_COVERAGES = [
    "foreign",
    "outer_continental_shelf",
    "defense_base_act",
    "nonappropriated_fund",
    "jones_act",
    "uslh",
    "federal_coal_mine",
    "fela",
    "voluntary_wc",
]
_PIE_TEXT = {
    "explosives_hazmat": "retail fireworks stand maintenance",
    "oil_gas_mining": "electrical support on an oil rig",
    "toxic_chemical_manufacturing": "HVAC at our chemical manufacturing line",
    "peo": "we are a professional employer organization",
    "staffing": "staffing agency placing HVAC techs",
    "check_cashing": "we run a check cashing store",
    "pawn_shop": "we own and run a pawn shop",
    "aircraft": "we operate a helicopter for roof surveys",
    "watercraft": "we lease a boat to reach job sites",
    "public_entity": "the applicant is a school district",
    "asbestos": "pipe insulation containing asbestos",
    "blasting": "rock blasting for foundations",
    "bridge_work": "painting on bridge construction",
    "chemicals_petroleum": "maintenance at a petroleum refinery",
    "demolition": "demolition of garages",
    "dock_sea_walls": "seawall repair",
    "utility_mains": "water main repairs",
    "high_voltage": "high voltage switchgear",
    "road_work": "road construction crews",
    "lead_mold_abatement": "mold remediation after floods",
    "structural_steel": "structural steel erection",
    "tree_work": "tree removal and stump grinding",
    "tunneling": "tunneling for conduits",
    "underground_tank_pipe": "underground storage tank removal",
    "uslh_exposure": "ship repair at the shipyard",
    "welding": "welding of duct supports",
    "wrecking": "wrecking crew for old barns",
    "nuclear": "HVAC at a nuclear plant",
    "cannabis": "grow lights for a cannabis farm",
    "structural_framing": "rough framing of new houses",
    "holiday_decorations": "christmas lights on storefronts",
    "medical_transportation": "ambulance fleet HVAC",
    "freight": "freight brokering on the side",
    "paper_contractor": "paper contractor, all work subcontracted",
    "firefighters_police": "volunteer firefighter crew",
    "railroad": "railroad signal huts",
    "amusement": "amusement ride maintenance",
}

TRIGGERS: dict[str, UnderwritingFacts] = {
    "pie.new_venture": clean_facts(
        contractor={"entity_type": "llc", "tin_type": "fein"}, prior={"status": "none"}
    ),
    "pie.lapse.preferred_class": clean_facts(prior=_LAPSED, preferred_class=True),
    "pie.lapse.other_class": clean_facts(prior=_LAPSED),
    "pie.undocumented_coverage_gap": clean_facts(
        prior={"status": "lapsed", "lapse_documented": False}
    ),
    "pie.max_modified_premium": clean_facts(modified_premium_cents=25_000_001),
    "pie.el_limits_above_1m": clean_facts(
        employers_liability_limits=EmployersLiabilityLimits.parse("1000/2000/1000")
    ),
    "pie.emod_maximum": clean_facts(contractor={"experience_mod": Decimal("2.00")}),
    "pie.emod_online_minimum": clean_facts(contractor={"experience_mod": Decimal("0.39")}),
    "pie.deductible_above_premium": clean_facts(deductible_cents=120_001),
    "pie.backdated": clean_facts(effective_date=TODAY - timedelta(days=1)),
    "pie.fein_required": clean_facts(contractor={"has_employees": True, "employee_count": 2}),
    "pie.ssn_only_for_sole_proprietors": clean_facts(contractor={"entity_type": "llc"}),
    "pie.waiver_not_available": clean_facts(state="NJ", waiver={"kind": "specific"}),
    "pie.additional_insured_not_allowed": clean_facts(additional_insured_requested_on_wc=True),
    "pie.non_guaranteed_cost": clean_facts(rating_plan="retrospective"),
    "pie.prohibited.height_over_30_feet": clean_facts(operations={"max_height_feet": 31}),
    "pie.prohibited.depth_over_15_feet": clean_facts(operations={"max_depth_feet": 16}),
    "pie.prohibited.payroll_over_15mm": clean_facts(
        operations={"total_payroll_cents": 1_500_000_001}
    ),
    "pie.prohibited.employees_over_500": clean_facts(
        contractor={"tin_type": "fein", "has_employees": True}, operations={"employee_count": 501}
    ),
    "pie.prohibited.subcontracted_over_50_pct": clean_facts(
        operations={"subcontracted_pay_pct": 51}
    ),
    "pie.prohibited.cash_labor_over_30_pct": clean_facts(operations={"cash_labor_pct": 31}),
    **{f"pie.prohibited_coverage.{c}": clean_facts(requested_coverages={c}) for c in _COVERAGES},
    **{f"pie.prohibited.{key}": described(text) for key, text in _PIE_TEXT.items()},
    "icw.california_only": _ca(state="NV"),
    "icw.voluntary_wc_review": _ca(requested_coverages={"voluntary_wc"}),
    "icw.minimum_premium.contractor": _ca(
        trade="roofing", contractor_type="contractor", estimated_premium_cents=4_999_999
    ),
    "icw.minimum_premium.artisan": _ca(estimated_premium_cents=3_999_999),
    "icw.minimum_premium.landscape": _ca(
        contractor_type="landscape", estimated_premium_cents=2_499_999
    ),
    "icw.minimum_premium.non_contractor": _ca(
        contractor_type="non_contractor", estimated_premium_cents=2_499_999
    ),
    "icw.four_years_in_business": _ca(contractor={"years_in_business": Decimal("3.9")}),
    "icw.current_coverage_required": _ca(prior=_LAPSED),
    "icw.no_new_ventures": _ca(prior={"status": "none"}),
    "icw.large_loss_description": _ca(
        contractor={"losses": [Loss(date=date(2025, 1, 5), amount_cents=2_500_001)]}
    ),
    "icw.loss_data_valuation": _ca(contractor={"loss_data_valued_on": TODAY - timedelta(days=91)}),
    "icw.stable_operations": _ca(contractor={"material_change_in_operations": True}),
    "icw.guaranteed_cost_only": _ca(rating_plan="large_deductible"),
    "icw.no_deductible_programs": _ca(deductible_cents=100_000),
    "icw.short_term_policy": _ca(expiration_date=TODAY + timedelta(days=180)),
    "icw.underwriter_binding_authority": _ca(channel="online"),
    "icw.no_backdating": _ca(effective_date=TODAY - timedelta(days=1)),
    "icw.waiver_job_details": _ca(waiver={"kind": "specific", "job_details_complete": False}),
    "icw.waiver_backdated": _ca(waiver={"kind": "specific", "backdated": True}),
    "gl.roofing_height": clean_facts(trade="roofing", operations={"max_height_feet": 31}),
    "gl.height_referral": clean_facts(operations={"max_height_feet": 31}),
    "gl.hot_roofing": described("torch-down roofing on flat roofs"),
    "gl.excavation_depth": clean_facts(operations={"max_depth_feet": 16}),
    "gl.excluded.tree_work": described("trimming trees along the drive"),
    "gl.excluded.blasting": described("blasting rock for a pool"),
    "gl.excluded.demolition": described("interior demo of kitchens"),
    "gl.excluded.abatement": described("lead paint removal"),
    "gl.excluded.heavy_civil": described("highway construction signage"),
    "gl.excluded.high_voltage": described("power line repair"),
    "gl.excluded.fumigation": described("termite tent fumigation"),
    "gl.excluded.residential_new_construction": described("tract home plumbing rough-in"),
    "gl.excluded.explosives_hazmat": described("hazmat cleanup"),
    "gl.excluded.aircraft": described("crop dusting for farms"),
    "gl.excluded.cannabis": described("grow room HVAC for a marijuana grower"),
    "gl.excluded.railroad": described("railway crossing lights"),
    "gl.refer.welding": described("welder for railings"),
    "gl.refer.solar": described("solar panel installation"),
    "gl.subcontracted_over_25_pct": clean_facts(operations={"subcontracted_pay_pct": 26}),
    "gl.backdated": clean_facts(effective_date=TODAY - timedelta(days=1)),
}

BASELINES = {
    "multistate-wc": clean_facts(),
    "california-wc": california_facts(),
    "contractors-gl": clean_facts(),
}
ALL_RULES = [
    (program, rule.id) for program in rulebook_programs() for rule in load_rulebook(program).rules
]


def test_every_rule_has_a_trigger_and_every_trigger_a_rule():
    assert {rule_id for _, rule_id in ALL_RULES} == set(TRIGGERS)


@pytest.mark.parametrize(("program", "rule_id"), ALL_RULES)
def test_rule_fires_on_its_trigger_and_not_on_the_clean_baseline(program, rule_id):
    rulebook = load_rulebook(program)
    rule = rulebook.rule(rule_id)
    reason = evaluate_rule(rule, TRIGGERS[rule_id], rulebook.term_lists)
    assert reason is not None
    assert reason.code == rule.code
    assert "{" not in reason.message
    assert reason.guideline == f"{rule.guideline.document} § {rule.guideline.section}"
    assert evaluate_rule(rule, BASELINES[program], rulebook.term_lists) is None


@pytest.mark.parametrize("program", sorted(BASELINES))
def test_clean_baseline_is_eligible(program):
    assert evaluate(load_rulebook(program), BASELINES[program]).status == "eligible"
