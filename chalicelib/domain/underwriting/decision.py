"""The decision: `evaluate(rulebook, facts) -> Decision(status, reasons)`, pure.

Any decline makes the line declined; otherwise any referral makes it referred; otherwise it is
eligible. Notes (e.g. `waiver_not_available`) add a reason without changing the status. Every
reason carries a stable code, a message with the actual fact value and the threshold, and the
citation "<document> § <section>" of the guideline it comes from.

A decline needs conclusive evidence: a decline rule that holds only on unclear wording (a
description hit that may not mean the hazard) refers instead. A program with an application
refers a line whose required answers are missing (`missing_information`): never eligible on
silence.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.reasons import Reason, guideline_citation
from chalicelib.domain.underwriting.application import missing_information
from chalicelib.domain.underwriting.conditions import evaluate_condition
from chalicelib.domain.underwriting.fact_names import FACTS, format_value
from chalicelib.domain.underwriting.facts import UnderwritingFacts
from chalicelib.domain.underwriting.rulebook import (
    MATCHED_TERMS,
    Rule,
    Rulebook,
    RuleOutcome,
    RuleScope,
)
from chalicelib.domain.underwriting.text import TermList

DecisionStatus = Literal["eligible", "referred", "declined"]

_ORDER = {"decline": 0, "refer": 1, "note": 2}
ALL_SCOPES: frozenset[RuleScope] = frozenset({"risk", "term", "dispatch"})
UNCLEAR = " The wording is not conclusive: an underwriter decides."


class Decision(BaseModel):
    """The underwriting outcome of one line under one program."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: DecisionStatus
    reasons: list[Reason]


def evaluate_rule(
    rule: Rule, facts: UnderwritingFacts, term_lists: Mapping[str, TermList]
) -> Reason | None:
    """The rule's reason when its condition holds for these facts, else None."""
    fired = fire(rule, facts, term_lists)
    return None if fired is None else fired[1]


def fire(
    rule: Rule, facts: UnderwritingFacts, term_lists: Mapping[str, TermList]
) -> tuple[RuleOutcome, Reason] | None:
    """The rule's effective outcome and reason when its condition holds, else None.

    A decline resting only on unclear wording refers (and says so)."""
    outcome = evaluate_condition(rule.condition, facts, term_lists)
    if not outcome.holds:
        return None
    described = dict(outcome.values)
    values: dict[str, str] = {}
    for name in rule.placeholders():
        if name == MATCHED_TERMS:
            values[name] = ", ".join(outcome.matched_terms)
        else:
            spec = FACTS[name]
            value = described[name] if name in described else spec.read(facts)
            values[name] = format_value(spec.kind, value)
    effective = rule.outcome
    message = rule.message.format_map(values)
    if outcome.matched_terms and MATCHED_TERMS not in values:
        message = f"{message} (From {', '.join(outcome.matched_terms)}.)"
    if effective == "decline" and not outcome.certain:
        effective, message = "refer", message + UNCLEAR
    return effective, Reason(
        code=rule.code,
        message=message,
        guideline=guideline_citation(rule.guideline.document, rule.guideline.section),
    )


def evaluate(
    rulebook: Rulebook,
    facts: UnderwritingFacts,
    *,
    scopes: Collection[RuleScope] = ALL_SCOPES,
    application: bool = True,
) -> Decision:
    """Run the program's rules of these scopes; declines first, then referrals, then notes.

    `application`: check the program's required answers (a quote, a renewal, a new class)."""
    fired: list[tuple[int, Reason]] = []
    for rule in rulebook.rules:
        if rule.scope not in scopes:
            continue
        found = fire(rule, facts, rulebook.term_lists)
        if found is not None:
            fired.append((_ORDER[found[0]], found[1]))
    if application and rulebook.application is not None:
        missing = missing_information(rulebook.application, facts, rulebook.term_lists)
        if missing is not None:
            fired.append((_ORDER["refer"], missing))
    fired.sort(key=lambda item: item[0])
    outcomes = {order for order, _ in fired}
    status: DecisionStatus = (
        "declined" if 0 in outcomes else "referred" if 1 in outcomes else "eligible"
    )
    return Decision(status=status, reasons=[reason for _, reason in fired])
