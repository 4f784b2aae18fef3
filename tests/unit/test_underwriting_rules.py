"""Underwriting decisions at each rule's boundary, and the reasons an underwriter reads."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.underwriting import Decision, EmployersLiabilityLimits, Loss, evaluate
from chalicelib.underwriting_rules import load_rulebook, trade_profile
from tests.unit.test_underwriting_fixtures import (
    TODAY,
    california_facts,
    clean_facts,
    described,
)

PIE = "reference/pie-wc-underwriting-guidelines.txt"
ICW = "reference/icw-california-wc-underwriting-guidelines.txt"


def multistate(facts) -> Decision:
    return evaluate(load_rulebook("multistate-wc"), facts)


def california(facts) -> Decision:
    return evaluate(load_rulebook("california-wc"), facts)


def codes(decision: Decision) -> list[str]:
    return [reason.code for reason in decision.reasons]


@pytest.mark.parametrize(
    ("emod", "status"),
    [("1.99", "eligible"), ("2.00", "declined"), ("0.40", "eligible"), ("0.39", "referred")],
)
def test_experience_mod_boundaries_under_multistate(emod, status):
    facts = clean_facts(contractor={"experience_mod": Decimal(emod)})
    assert multistate(facts).status == status


def test_emod_decline_names_value_threshold_and_guideline():
    decision = multistate(clean_facts(contractor={"experience_mod": Decimal("2.05")}))
    [reason] = decision.reasons
    assert reason.code == "experience_mod_above_maximum"
    assert reason.message == "Experience mod 2.05 exceeds the program maximum of 1.99."
    assert reason.guideline == f"{PIE} § Experience Modification Factor (Emod)"


def test_emod_below_online_minimum_is_not_referred_when_the_underwriter_quotes():
    facts = clean_facts(contractor={"experience_mod": Decimal("0.30")}, channel="underwriter")
    assert multistate(facts).status == "eligible"


@pytest.mark.parametrize(
    ("operations", "code", "message_part"),
    [
        ({"max_height_feet": 31}, "height_exposure_above_maximum", "31 feet exceeds"),
        ({"max_depth_feet": 16}, "digging_depth_above_maximum", "16 feet exceeds"),
        ({"employee_count": 501}, "employee_count_above_maximum", "501 exceeds"),
        (
            {"total_payroll_cents": 1_500_000_001},
            "total_payroll_above_maximum",
            "$15,000,000.01 (the larger of the estimated annual pay and the whole-business "
            "payroll) exceeds the program maximum of $15,000,000.00",
        ),
        ({"subcontracted_pay_pct": 51}, "subcontracted_payroll_above_maximum", "51% exceeds"),
        ({"cash_labor_pct": Decimal("30.5")}, "cash_labor_above_maximum", "30.5% exceeds"),
    ],
)
def test_operations_above_the_limit_are_declined(operations, code, message_part):
    facts = clean_facts(contractor={"tin_type": "fein"}, operations=operations)
    decision = multistate(facts)
    assert decision.status == "declined"
    assert code in codes(decision)
    assert any(message_part in reason.message for reason in decision.reasons)


@pytest.mark.parametrize(
    "operations",
    [
        {"max_height_feet": 30},
        {"max_depth_feet": 15},
        {"employee_count": 500},
        {"total_payroll_cents": 1_500_000_000},
        {"subcontracted_pay_pct": 50},
        {"cash_labor_pct": 30},
    ],
)
def test_operations_at_the_limit_are_eligible(operations):
    facts = clean_facts(contractor={"tin_type": "fein"}, operations=operations)
    assert multistate(facts).status == "eligible"


@pytest.mark.parametrize(("cents", "status"), [(25_000_000, "eligible"), (25_000_001, "declined")])
def test_maximum_modified_premium(cents, status):
    assert multistate(clean_facts(modified_premium_cents=cents)).status == status


def test_modified_premium_message_shows_both_amounts():
    [reason] = multistate(clean_facts(modified_premium_cents=30_000_000)).reasons
    assert reason.message == (
        "Annual modified premium $300,000.00 exceeds the program maximum of $250,000.00."
    )


@pytest.mark.parametrize(
    ("limits", "status"), [("1000/1000/1000", "eligible"), ("1000/1000/1001", "referred")]
)
def test_employers_liability_limits_above_one_million_are_referred(limits, status):
    facts = clean_facts(employers_liability_limits=EmployersLiabilityLimits.parse(limits))
    assert multistate(facts).status == status


def test_el_limits_parse_rejects_malformed_limits():
    with pytest.raises(ValueError, match="100/500/100"):
        EmployersLiabilityLimits.parse("1M/1M")


@pytest.mark.parametrize(("deductible", "status"), [(120_000, "eligible"), (120_001, "declined")])
def test_deductible_cannot_exceed_annual_premium(deductible, status):
    assert multistate(clean_facts(deductible_cents=deductible)).status == status


def test_same_day_bind_is_not_backdated_but_yesterday_is_referred_under_multistate():
    assert multistate(clean_facts()).status == "eligible"
    decision = multistate(clean_facts(effective_date=TODAY - timedelta(days=2)))
    assert decision.status == "referred"
    assert decision.reasons[0].message == (
        "Effective date 2026-02-28 is 2 days before the bind date 2026-03-02; "
        "backdating needs underwriting approval."
    )


def test_backdated_start_is_declined_under_california():
    decision = california(california_facts(effective_date=TODAY - timedelta(days=1)))
    assert decision.status == "declined"
    assert codes(decision) == ["backdated"]
    assert decision.reasons[0].guideline == f"{ICW} § Binding of Coverage"


def test_lapse_referral_asks_for_no_loss_letter_for_preferred_classes_and_loss_runs_otherwise():
    lapse = {"status": "lapsed", "lapse_start": date(2025, 6, 1), "lapse_end": date(2025, 9, 1)}
    preferred = multistate(clean_facts(prior=lapse, preferred_class=True))
    other = multistate(clean_facts(prior=lapse, preferred_class=False))
    assert preferred.status == other.status == "referred"
    assert "no loss letter" in preferred.reasons[0].message
    assert "2025-06-01 to 2025-09-01" in preferred.reasons[0].message
    assert "loss runs" in other.reasons[0].message


def test_an_undocumented_lapse_is_declined_and_an_unanswered_one_is_missing_information():
    decision = multistate(clean_facts(prior={"status": "lapsed", "lapse_documented": False}))
    assert decision.status == "declined"
    assert "undocumented_coverage_gap" in codes(decision)
    silent = multistate(clean_facts(prior={"status": "lapsed", "lapse_start": TODAY}))
    assert silent.status == "referred"
    assert "missing_information" in codes(silent)
    assert "contractor.prior_coverage.lapse_documented" in silent.reasons[-1].message
    documented = multistate(clean_facts(prior={"status": "lapsed", "lapse_documented": True}))
    assert "undocumented_coverage_gap" not in codes(documented)
    assert "missing_information" not in codes(documented)


def test_sole_proprietor_without_employees_or_prior_coverage_is_bindable_online():
    facts = clean_facts(prior={"status": "none"}, contractor={"years_in_business": Decimal("0.2")})
    assert multistate(facts).status == "eligible"


def test_new_venture_with_employees_is_referred():
    facts = clean_facts(
        prior={"status": "none"},
        contractor={"tin_type": "fein", "has_employees": True, "employee_count": 3},
    )
    decision = multistate(facts)
    assert codes(decision) == ["new_venture_requires_approval"]


def test_ssn_with_employees_is_declined_fein_required():
    decision = multistate(clean_facts(contractor={"has_employees": True, "employee_count": 4}))
    assert decision.status == "declined"
    assert codes(decision) == ["fein_required"]
    assert "employee count: 4" in decision.reasons[0].message


def test_waiver_in_a_state_without_waivers_is_a_note_and_the_line_stays_eligible():
    decision = multistate(clean_facts(state="KS", waiver={"kind": "blanket"}))
    assert decision.status == "eligible"
    assert codes(decision) == ["waiver_not_available"]
    assert multistate(clean_facts(state="PA", waiver={"kind": "blanket"})).reasons == []


def test_prohibited_coverage_is_declined_with_its_own_code():
    decision = multistate(clean_facts(requested_coverages={"uslh", "foreign"}))
    assert decision.status == "declined"
    assert set(codes(decision)) == {"prohibited_coverage_uslh", "prohibited_coverage_foreign"}


def test_text_exposure_decline_quotes_the_phrase_found():
    decision = multistate(described("Tree removal and gutter cleaning"))
    assert decision.status == "declined"
    assert decision.reasons[0].message == (
        'Operations include "Tree removal" (description): tree trimming or removal is a '
        "prohibited exposure."
    )
    assert decision.reasons[0].guideline == f"{PIE} § Prohibited Applicants"


def test_tree_lined_street_is_not_tree_work():
    assert multistate(described("AC repair on a tree-lined street")).status == "eligible"


def test_declines_come_before_referrals_before_notes():
    facts = clean_facts(
        state="NJ",
        waiver={"kind": "specific"},
        effective_date=TODAY - timedelta(days=1),
        contractor={"experience_mod": Decimal("2.50")},
    )
    decision = multistate(facts)
    assert decision.status == "declined"
    assert codes(decision) == ["experience_mod_above_maximum", "backdated", "waiver_not_available"]


@pytest.mark.parametrize(
    ("contractor_type", "minimum_cents"),
    [
        ("contractor", 5_000_000),
        ("artisan", 4_000_000),
        ("landscape", 2_500_000),
        ("non_contractor", 2_500_000),
    ],
)
def test_california_minimum_premium_by_contractor_type(contractor_type, minimum_cents):
    at_minimum = california_facts(
        contractor_type=contractor_type, estimated_premium_cents=minimum_cents
    )
    below = california_facts(
        contractor_type=contractor_type, estimated_premium_cents=minimum_cents - 1
    )
    assert california(at_minimum).status == "eligible"
    decision = california(below)
    assert codes(decision) == ["estimated_premium_below_minimum"]
    assert f"${minimum_cents // 100:,}.00 minimum" in decision.reasons[0].message


@pytest.mark.parametrize(("years", "status"), [("4", "eligible"), ("3.9", "declined")])
def test_california_requires_four_years_in_business(years, status):
    facts = california_facts(contractor={"years_in_business": Decimal(years)})
    assert california(facts).status == status


@pytest.mark.parametrize(
    ("amount_cents", "description", "status"),
    [
        (2_500_000, None, "eligible"),
        (2_500_001, None, "referred"),
        (2_500_001, "back strain lifting a condenser; closed", "eligible"),
    ],
)
def test_california_large_loss_needs_a_written_description(amount_cents, description, status):
    loss = Loss(date=date(2025, 5, 1), amount_cents=amount_cents, description=description)
    assert california(california_facts(contractor={"losses": [loss]})).status == status


def test_california_refers_every_otherwise_eligible_online_quote_to_the_underwriter():
    decision = california(california_facts(channel="online"))
    assert decision.status == "referred"
    assert codes(decision) == ["underwriter_binding_authority"]
    assert decision.reasons[0].guideline == f"{ICW} § Binding of Coverage"


def test_california_declines_risks_outside_california_and_without_current_coverage():
    decision = california(california_facts(state="OR", prior={"status": "none"}))
    assert decision.status == "declined"
    assert {"exposure_outside_california", "no_current_coverage", "new_venture"} <= set(
        codes(decision)
    )


@pytest.mark.parametrize(("days", "status"), [(90, "eligible"), (91, "referred")])
def test_california_loss_data_must_be_valued_within_ninety_days(days, status):
    facts = california_facts(contractor={"loss_data_valued_on": TODAY - timedelta(days=days)})
    assert california(facts).status == status


def test_california_twelve_month_term_is_not_short_but_a_shorter_one_is_referred():
    assert california(california_facts(expiration_date=date(2027, 3, 2))).status == "eligible"
    assert california(california_facts(expiration_date=date(2027, 3, 1))).status == "referred"


@pytest.mark.parametrize(
    ("trade", "description", "status"),
    [
        ("roofing", "", "eligible"),
        ("hvac", "tree removal", "declined"),
        ("landscaping", "lawn care and planting", "eligible"),
        ("hvac", "welding brackets", "referred"),
    ],
)
def test_contractors_gl_appetite(trade, description, status):
    facts = clean_facts(trade=trade, operations={"description": description})
    assert evaluate(load_rulebook("contractors-gl"), facts).status == status


@pytest.mark.parametrize(("height", "status"), [(30, "eligible"), (31, "declined")])
def test_contractors_gl_roofing_height(height, status):
    facts = clean_facts(trade="roofing", operations={"max_height_feet": height})
    assert evaluate(load_rulebook("contractors-gl"), facts).status == status


def test_trade_profiles_drive_contractor_type_and_preferred_class():
    assert trade_profile("landscaping").contractor_type == "landscape"
    assert trade_profile("roofing").contractor_type == "contractor"
    assert trade_profile("janitorial").preferred_class is True
    assert trade_profile("unknown_trade").contractor_type == "contractor"


@pytest.mark.parametrize(
    ("estimated", "total", "status"),
    [
        (1_500_000_000, None, "eligible"),
        (1_500_000_001, None, "declined"),
        (1_500_000_001, 100_000_000, "declined"),
        (100_000_000, 1_500_000_001, "declined"),
        (100_000_000, 1_500_000_000, "eligible"),
    ],
)
def test_payroll_limit_applies_to_the_larger_of_estimated_pay_and_total_payroll(
    estimated, total, status
):
    facts = clean_facts(
        estimated_annual_pay_cents=estimated, operations={"total_payroll_cents": total}
    )
    decision = multistate(facts)
    assert decision.status == status
    if status == "declined":
        assert codes(decision) == ["total_payroll_above_maximum"]
        assert "$15,000,000.01" in decision.reasons[0].message


@pytest.mark.parametrize(
    "coverage",
    ["foreign", "uslh", "jones_act", "defense_base_act", "outer_continental_shelf",
     "nonappropriated_fund", "federal_coal_mine", "fela"],
)  # fmt: skip
def test_california_declines_coverages_beyond_california_only_exposures(coverage):
    decision = california(california_facts(requested_coverages={coverage}))
    assert decision.status == "declined"
    assert codes(decision) == ["exposure_outside_california"]
    assert coverage in decision.reasons[0].message


def test_california_refers_voluntary_compensation_it_does_not_address():
    decision = california(california_facts(requested_coverages={"voluntary_wc"}))
    assert decision.status == "referred"
    assert codes(decision) == ["requested_coverage_review"]
