"""Every numeric rule at, below and above its threshold, from answers; heights and depths also
from text ("40-foot extension ladders", "three-story", "trenching 20 feet deep")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.underwriting import (
    EmployersLiabilityLimits,
    Loss,
    UnderwritingFacts,
    evaluate,
    evaluate_rule,
    fire,
)
from chalicelib.domain.underwriting.conditions import AllOf, Compare, leaves
from chalicelib.domain.underwriting.fact_names import FACTS, NUMERIC_KINDS
from chalicelib.underwriting_rules import load_rulebook, rulebook_programs
from tests.unit.test_underwriting_fixtures import TODAY, TRIGGERS, clean_facts, with_


def _set(facts: UnderwritingFacts, fact: str, value: Decimal) -> UnderwritingFacts:
    """The facts with one numeric fact at `value`."""
    operations = {"max_height_feet", "max_depth_feet", "subcontracted_pay_pct", "cash_labor_pct"}
    if fact in operations:
        return with_(facts, operations={fact: value})
    if fact in ("total_payroll_cents", "employee_count"):
        return with_(facts, operations={fact: int(value)})
    if fact in ("experience_mod", "years_in_business"):
        return with_(facts, contractor={fact: value})
    if fact in ("modified_premium_cents", "estimated_premium_cents", "deductible_cents"):
        top: dict[str, Any] = {fact: int(value)}
        return with_(facts, **top)
    if fact == "el_highest_limit_thousands":
        n = int(value)
        return with_(
            facts, employers_liability_limits=EmployersLiabilityLimits.parse(f"{n}/{n}/{n}")
        )
    if fact == "days_backdated":
        return with_(facts, effective_date=facts.bind_date - timedelta(days=int(value)))
    if fact == "loss_data_age_days":
        return with_(
            facts, contractor={"loss_data_valued_on": facts.bind_date - timedelta(days=int(value))}
        )
    if fact == "largest_undescribed_loss_cents":
        return with_(facts, contractor={"losses": [Loss(date=TODAY, amount_cents=int(value))]})
    raise AssertionError(f"no setter for {fact}")


def _numeric_rules() -> list[tuple[str, str, Compare]]:
    found = []
    for program in rulebook_programs():
        for rule in load_rulebook(program).rules:
            condition = rule.condition
            plain = isinstance(condition, Compare) or (
                isinstance(condition, AllOf) and list(leaves(condition)) == list(condition.all)
            )
            if not plain:  # alternatives: the threshold alone does not decide
                continue
            numeric = [
                leaf
                for leaf in leaves(rule.condition)
                if isinstance(leaf, Compare)
                and leaf.value is not None
                and FACTS[leaf.fact].kind in NUMERIC_KINDS
            ]
            if len(numeric) == 1:
                found.append((program, rule.id, numeric[0]))
    return found


NUMERIC = _numeric_rules()
STEP = {"money": Decimal(1), "factor": Decimal("0.01"), "decimal": Decimal("0.1")}


def test_the_numeric_rules_are_found():
    assert len(NUMERIC) >= 20


@pytest.mark.parametrize(("program", "rule_id", "leaf"), NUMERIC, ids=lambda x: str(x)[:60])
def test_numeric_rule_at_below_and_above_its_threshold(program: str, rule_id: str, leaf: Compare):
    rulebook = load_rulebook(program)
    rule = rulebook.rule(rule_id)
    threshold = Decimal(str(leaf.value))
    step = STEP.get(FACTS[leaf.fact].kind, Decimal(1))
    expected = {
        "gt": (False, False, True),
        "gte": (False, True, True),
        "lt": (True, False, False),
        "lte": (True, True, False),
    }[leaf.op]
    for value, fires in zip((threshold - step, threshold, threshold + step), expected, strict=True):
        if value < 0:
            continue
        facts = _set(TRIGGERS[rule_id], leaf.fact, value)
        assert (evaluate_rule(rule, facts, rulebook.term_lists) is not None) is fires, value


# -- from text ------------------------------------------------------------------------------

# The rules whose thresholds the description can cross (listed in the conformance document).
FROM_TEXT_RULES = (
    "pie.prohibited.height_over_30_feet",
    "pie.prohibited.depth_over_15_feet",
    "gl.height_referral",
    "gl.roofing_height",
    "gl.excavation_depth",
)
HEIGHT = "We use {n}-foot extension ladders on every job"
DEPTH = "trenching up to {n} feet deep for drain lines"


def described_facts(text: str, **top: Any) -> UnderwritingFacts:
    answers = clean_facts().operations.model_dump()
    answers.update(description=text)
    return clean_facts(operations=answers, **top)


@pytest.mark.parametrize(
    ("program", "template", "threshold", "code", "above", "top"),
    [
        ("multistate-wc", HEIGHT, 30, "height_exposure_above_maximum", "declined", {}),
        ("multistate-wc", DEPTH, 15, "digging_depth_above_maximum", "declined", {}),
        ("contractors-gl", HEIGHT, 30, "height_exposure_review", "referred", {}),
        (
            "contractors-gl",
            HEIGHT,
            30,
            "height_exposure_above_maximum",
            "declined",
            {"trade": "roofing", "contractor_type": "contractor"},
        ),
        ("contractors-gl", DEPTH, 15, "excavation_depth_review", "referred", {}),
    ],
)
def test_heights_and_depths_written_in_the_text_count_as_answers(
    program, template, threshold, code, above, top
):
    rulebook = load_rulebook(program)
    for n, status in ((threshold - 1, "eligible"), (threshold, "eligible"), (threshold + 1, above)):
        decision = evaluate(rulebook, described_facts(template.format(n=n), **top))
        assert decision.status == status, (n, decision.reasons)
        assert (code in [r.code for r in decision.reasons]) is (status != "eligible")


def test_the_message_shows_the_figure_from_the_text_and_where_it_was_read():
    decision = evaluate(load_rulebook("multistate-wc"), described_facts(HEIGHT.format(n=40)))
    [reason] = decision.reasons
    assert reason.message.startswith("Maximum working height 40 feet exceeds")
    assert '"40-foot" (description)' in reason.message


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("HVAC in two-story homes", "eligible"),
        ("HVAC in three-story apartment buildings", "referred"),
    ],
)
def test_stories_are_fifteen_feet_each_and_only_ever_refer(text, status):
    decision = evaluate(load_rulebook("multistate-wc"), described_facts(text))
    assert decision.status == status
    if status == "referred":
        assert "not conclusive" in decision.reasons[0].message
        assert "45 feet" in decision.reasons[0].message


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("we never use 40-foot ladders", "eligible"),
        ("no more than 40 feet deep", "declined"),
        ("run 50 feet of duct", "eligible"),
        ("roofs 20-40 ft high", "declined"),
        ("ladders under 40 feet high", "referred"),
        ("digging forty-five feet down", "declined"),
        ("a 35' ladder", "declined"),
    ],
)
def test_negated_bounded_and_length_figures(text, status):
    assert evaluate(load_rulebook("multistate-wc"), described_facts(text)).status == status


def test_an_answer_over_the_limit_declines_whatever_the_text_says():
    facts = clean_facts(operations={"max_height_feet": 31, "description": "two-story homes"})
    fired = fire(
        load_rulebook("multistate-wc").rule("pie.prohibited.height_over_30_feet"), facts, {}
    )
    assert fired is not None
    assert fired[0] == "decline"
    assert "31 feet" in fired[1].message
