"""The decision: `evaluate(rulebook, facts) -> Decision(status, reasons)`, pure.

Any decline makes the line declined; otherwise any referral makes it referred; otherwise it is
eligible. Notes (e.g. `waiver_not_available`) add a reason without changing the status. Every
reason carries a stable code, a message with the actual fact value and the threshold, and the
citation "<document> § <section>" of the guideline it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.reasons import Reason, guideline_citation
from chalicelib.domain.underwriting.conditions import evaluate_condition
from chalicelib.domain.underwriting.fact_names import FACTS, format_value
from chalicelib.domain.underwriting.facts import UnderwritingFacts
from chalicelib.domain.underwriting.rulebook import MATCHED_TERMS, Rule, Rulebook
from chalicelib.domain.underwriting.text import TermList

DecisionStatus = Literal["eligible", "referred", "declined"]

_ORDER = {"decline": 0, "refer": 1, "note": 2}


class Decision(BaseModel):
    """The underwriting outcome of one line under one program."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: DecisionStatus
    reasons: list[Reason]


def evaluate_rule(
    rule: Rule, facts: UnderwritingFacts, term_lists: Mapping[str, TermList]
) -> Reason | None:
    """The rule's reason when its condition holds for these facts, else None."""
    outcome = evaluate_condition(rule.condition, facts, term_lists)
    if not outcome.holds:
        return None
    values: dict[str, str] = {}
    for name in rule.placeholders():
        if name == MATCHED_TERMS:
            values[name] = ", ".join(f'"{term}"' for term in outcome.matched_terms)
        else:
            spec = FACTS[name]
            values[name] = format_value(spec.kind, spec.read(facts))
    return Reason(
        code=rule.code,
        message=rule.message.format_map(values),
        guideline=guideline_citation(rule.guideline.document, rule.guideline.section),
    )


def evaluate(rulebook: Rulebook, facts: UnderwritingFacts) -> Decision:
    """Run every rule of the program; declines first, then referrals, then notes."""
    fired: list[tuple[int, Reason]] = []
    for rule in rulebook.rules:
        reason = evaluate_rule(rule, facts, rulebook.term_lists)
        if reason is not None:
            fired.append((_ORDER[rule.outcome], reason))
    fired.sort(key=lambda item: item[0])
    outcomes = {order for order, _ in fired}
    status: DecisionStatus = (
        "declined" if 0 in outcomes else "referred" if 1 in outcomes else "eligible"
    )
    return Decision(status=status, reasons=[reason for _, reason in fired])
