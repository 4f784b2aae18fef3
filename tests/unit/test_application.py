"""The application as data: silence is never eligible, answers a program does not ask are
ignored, and the hazards answer fires the catalogue's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.underwriting import MISSING_INFORMATION, evaluate
from chalicelib.underwriting_rules import known_hazards, load_rulebook
from tests.unit.test_underwriting_fixtures import california_facts, clean_facts

QUESTIONS = ["max_height_feet", "max_depth_feet", "subcontracted_pay_pct", "cash_labor_pct"]


def multistate(facts):
    return evaluate(load_rulebook("multistate-wc"), facts)


def silent(*questions: str):
    """The clean risk with these answers left out."""
    facts = clean_facts()
    data = facts.operations.model_dump()
    for question in questions:
        data[question] = None
    return clean_facts(operations=data)


def test_no_operations_block_at_all_is_referred_naming_every_question():
    decision = multistate(silent(*QUESTIONS, "hazards"))
    assert decision.status == "referred"
    [reason] = decision.reasons
    assert reason.code == MISSING_INFORMATION
    for question in [*QUESTIONS, "hazards"]:
        assert f"operations.{question}" in reason.message
    assert reason.guideline == (
        "reference/pie-wc-underwriting-guidelines.txt § Prohibited Applicants"
    )


@pytest.mark.parametrize("question", [*QUESTIONS, "hazards"])
def test_each_missing_answer_refers_and_is_named(question):
    decision = multistate(silent(question))
    assert decision.status == "referred"
    [reason] = decision.reasons
    assert reason.code == MISSING_INFORMATION
    assert f"operations.{question}" in reason.message
    others = [q for q in [*QUESTIONS, "hazards"] if q != question]
    assert not any(f"operations.{other}" in reason.message for other in others)


def test_complete_answers_are_eligible_and_an_empty_hazards_list_means_none():
    assert multistate(clean_facts()).status == "eligible"


def test_missing_answers_never_hide_a_decline():
    facts = silent("hazards")
    decision = multistate(
        clean_facts(operations={**facts.operations.model_dump(), "max_height_feet": 45})
    )
    assert decision.status == "declined"
    assert [r.code for r in decision.reasons] == [
        "height_exposure_above_maximum",
        MISSING_INFORMATION,
    ]


def test_employee_count_is_required_only_of_a_contractor_with_employees():
    with_staff = clean_facts(contractor={"tin_type": "fein", "has_employees": True})
    decision = multistate(with_staff)
    assert decision.status == "referred"
    assert "contractor.employee_count" in decision.reasons[0].message
    counted = clean_facts(
        contractor={"tin_type": "fein", "has_employees": True, "employee_count": 4}
    )
    assert multistate(counted).status == "eligible"
    assert multistate(clean_facts()).status == "eligible"  # no employees: the count is 0


def test_california_asks_none_of_the_multistate_questions_and_ignores_their_answers():
    application = load_rulebook("california-wc").application
    assert application is not None
    assert application.questions == ()
    answered = california_facts(operations={"max_height_feet": 45, "hazards": {"tree_work"}})
    facts = california_facts(operations={q: None for q in [*QUESTIONS, "hazards"]})
    california = load_rulebook("california-wc")
    assert evaluate(california, facts).status == "eligible"
    assert evaluate(california, answered).status == "eligible"


@pytest.mark.parametrize(
    ("field", "fact"),
    [
        ("losses_valued_on", "loss_data_valued_on"),
        ("material_change_in_operations", "material_change_in_operations"),
    ],
)
def test_california_requires_the_contractor_facts_its_criteria_read(field, fact):
    decision = evaluate(load_rulebook("california-wc"), california_facts(contractor={fact: None}))
    assert decision.status == "referred"
    [reason] = decision.reasons
    assert reason.code == MISSING_INFORMATION
    assert f"contractor.{field}" in reason.message


def test_gl_has_no_application():
    assert load_rulebook("contractors-gl").application is None


@pytest.mark.parametrize(
    "hazard", sorted(e.code for e in load_rulebook("multistate-wc").hazard_catalogue())
)
def test_every_hazard_of_the_catalogue_fires_its_rule_when_answered(hazard):
    rulebook = load_rulebook("multistate-wc")
    entry = next(e for e in rulebook.hazard_catalogue() if e.code == hazard)
    decision = multistate(clean_facts(operations={"hazards": {hazard}}))
    expected = {"decline": "declined", "refer": "referred"}[entry.effect]
    assert decision.status == expected
    rule = rulebook.rule(entry.rule)
    [reason] = decision.reasons
    assert reason.code == rule.code
    assert f"{hazard} (the application's hazards answer)" in reason.message


def test_the_catalogue_names_every_prohibited_operation_with_its_citation_and_effect():
    catalogue = load_rulebook("multistate-wc").hazard_catalogue()
    assert len(catalogue) == 37
    assert {e.guideline.section for e in catalogue} == {"Prohibited Applicants"}
    assert {e.effect for e in catalogue} == {"decline", "refer"}
    assert [e.code for e in catalogue if e.effect == "refer"] == ["structural_framing"]
    assert {e.code for e in catalogue} <= known_hazards()


def test_an_answer_about_a_hazard_under_the_threshold_of_nothing_is_still_a_number():
    facts = clean_facts(operations={"max_height_feet": Decimal("30")})
    assert multistate(facts).status == "eligible"
