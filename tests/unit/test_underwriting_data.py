"""The rule data files: load-time validation, verbatim guideline quotes, thresholds in messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.underwriting.conditions import (
    AllOf,
    AnyOf,
    Compare,
    ContainsAny,
    Membership,
    NotCondition,
    TextMatches,
    leaves,
)
from chalicelib.domain.underwriting.fact_names import FACTS, NUMERIC_KINDS, coerce_value
from chalicelib.domain.underwriting.fact_names import format_value as fmt
from chalicelib.domain.underwriting.rulebook import Rule, Rulebook
from chalicelib.underwriting_rules import (
    UnknownProgramError,
    exposure_vocabulary,
    load_rulebook,
    rulebook_programs,
)

REPO = Path(__file__).resolve().parents[2]
GUIDELINES = REPO / "docs" / "guidelines"
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
RULES = [rule for program in rulebook_programs() for rule in load_rulebook(program).rules]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def guideline_text(document: str) -> str:
    return squash((GUIDELINES / Path(document).name).read_text(encoding="utf-8"))


def test_the_three_programs_are_packaged():
    assert set(rulebook_programs()) >= {"multistate-wc", "california-wc", "contractors-gl"}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_quote_is_verbatim_in_its_guideline_document(rule: Rule):
    assert squash(rule.quote) in guideline_text(rule.guideline.document)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_section_is_a_heading_of_its_guideline_document(rule: Rule):
    lines = [squash(line) for line in (GUIDELINES / Path(rule.guideline.document).name).open()]
    assert squash(rule.guideline.section) in lines


def _nodes(condition: Any) -> list[Any]:
    if isinstance(condition, AllOf):
        return [condition, *[n for child in condition.all for n in _nodes(child)]]
    if isinstance(condition, AnyOf):
        return [condition, *[n for child in condition.any for n in _nodes(child)]]
    if isinstance(condition, NotCondition):
        return [condition, *_nodes(condition.negated)]
    return [condition]


def _all_of(rule: Rule) -> bool:
    """Thresholds inside any/not are alternatives, stated in words rather than figures."""
    return not any(isinstance(node, AnyOf | NotCondition) for node in _nodes(rule.condition))


@pytest.mark.parametrize(
    "rule", [rule for rule in RULES if _all_of(rule)], ids=lambda rule: rule.id
)
def test_message_states_every_threshold_of_an_all_of_condition(rule: Rule):
    for leaf in leaves(rule.condition):
        if not isinstance(leaf, Compare) or leaf.value is None:
            continue
        kind = FACTS[leaf.fact].kind
        if kind not in NUMERIC_KINDS or coerce_value(kind, leaf.value) == 0:
            continue
        threshold = coerce_value(kind, leaf.value)
        assert fmt(kind, threshold) in rule.message or str(leaf.value) in rule.message


@pytest.mark.parametrize(
    "name", ["pie-wc-underwriting-guidelines.txt", "icw-california-wc-underwriting-guidelines.txt"]
)
def test_guideline_copies_match_the_shared_reference_when_it_is_there(name: str):
    original = SHARED_REFERENCE / name
    if not original.exists():
        pytest.skip("the shared reference folder is not next to this clone")
    assert (GUIDELINES / name).read_bytes() == original.read_bytes()


def test_condition_shapes_parse_to_their_types():
    rule = _rule(
        {
            "all": [
                {"fact": "experience_mod", "op": "gt", "value": "1.99"},
                {"fact": "state", "op": "in", "values": ["KS"]},
                {"fact": "requested_coverages", "op": "contains_any", "values": ["uslh"]},
                {"fact": "operations_description", "op": "text_matches", "terms": "welding"},
                {"any": [{"not": {"fact": "has_employees", "op": "eq", "value": True}}]},
            ]
        }
    )
    kinds = [type(leaf) for leaf in leaves(rule.condition)]
    assert kinds == [Compare, Membership, ContainsAny, TextMatches, Compare]


@pytest.mark.parametrize(
    ("condition", "message", "problem"),
    [
        ({"fact": "emod", "op": "gt", "value": "1.99"}, "x", "unknown fact 'emod'"),
        ({"fact": "experience_mod", "op": "gt", "value": "high"}, "x", "bad value"),
        ({"fact": "experience_mod", "op": "gt"}, "x", "exactly one of value"),
        ({"fact": "state", "op": "gt", "value": "CA"}, "x", "needs an ordered fact"),
        ({"fact": "experience_mod", "op": "in", "values": ["1"]}, "x", "needs a text fact"),
        (
            {"fact": "operations_description", "op": "text_matches", "terms": "nope"},
            "x",
            "unknown term list 'nope'",
        ),
        ({"fact": "state", "op": "text_matches", "terms": "welding"}, "x", "description fact"),
        ({"fact": "state", "op": "contains_any", "values": ["CA"]}, "x", "needs a set fact"),
        (
            {"fact": "deductible_cents", "op": "gt", "other_fact": "experience_mod"},
            "x",
            "cannot be compared",
        ),
        ({"fact": "state", "op": "eq", "value": "CA"}, "{emod}", "unknown message field {emod}"),
    ],
)
def test_unsound_rules_are_rejected_at_load(condition, message, problem):
    with pytest.raises(ValidationError, match=re.escape(problem)):
        _rulebook([_raw_rule(condition, message)])


def test_duplicate_rule_ids_are_rejected():
    raw = _raw_rule({"fact": "state", "op": "eq", "value": "CA"}, "x")
    with pytest.raises(ValidationError, match="duplicate rule id"):
        _rulebook([raw, raw])


def test_unknown_program_has_no_rulebook():
    with pytest.raises(UnknownProgramError):
        load_rulebook("no-such-program")


def _raw_rule(condition: dict[str, Any], message: str) -> dict[str, Any]:
    return {
        "id": "test.rule",
        "outcome": "decline",
        "code": "test_rule",
        "message": message,
        "guideline": {"document": "d.txt", "section": "S"},
        "quote": "q",
        "condition": condition,
    }


def _rule(condition: dict[str, Any]) -> Rule:
    return _rulebook([_raw_rule(condition, "x")]).rules[0]


def _rulebook(rules: list[dict[str, Any]]) -> Rulebook:
    return Rulebook.model_validate(
        {
            "program": "test-program",
            "effective_date": "2025-01-01",
            "source": "tests",
            "term_lists": exposure_vocabulary().term_lists,
            "rules": rules,
        }
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_is_in_the_conformance_table(rule: Rule):
    table = (REPO / "docs" / "underwriting-conformance.md").read_text(encoding="utf-8")
    assert f"`{rule.id}`" in table
