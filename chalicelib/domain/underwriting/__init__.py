"""Underwriting: `evaluate(rulebook, facts) -> Decision(status, reasons)`, pure.

Modules: `facts` (the typed fact set every rule reads), `fact_names` (the names rules may use),
`conditions` (the closed set of condition operators), `text` (exposure term lists over free text),
`rulebook` (a program's declarative rules) and `decision` (evaluating them). Import from this
package unless testing one module's internals.
"""

from __future__ import annotations

from chalicelib.domain.underwriting.conditions import (
    Condition,
    check_condition,
    evaluate_condition,
)
from chalicelib.domain.underwriting.decision import (
    Decision,
    DecisionStatus,
    evaluate,
    evaluate_rule,
)
from chalicelib.domain.underwriting.fact_names import FACTS, FactKind, FactSpec, FactValue
from chalicelib.domain.underwriting.facts import (
    GUARANTEED_COST,
    Channel,
    ContractorFacts,
    ContractorType,
    EmployersLiabilityLimits,
    EntityType,
    Loss,
    OperationsFacts,
    PriorCoverage,
    PriorCoverageStatus,
    RequestedCoverage,
    TinType,
    UnderwritingFacts,
    WaiverKind,
    WaiverRequest,
)
from chalicelib.domain.underwriting.rulebook import (
    MATCHED_TERMS,
    GuidelineRef,
    Rule,
    Rulebook,
    RuleOutcome,
)
from chalicelib.domain.underwriting.text import TermList

__all__ = [
    "FACTS",
    "GUARANTEED_COST",
    "MATCHED_TERMS",
    "Channel",
    "Condition",
    "ContractorFacts",
    "ContractorType",
    "Decision",
    "DecisionStatus",
    "EmployersLiabilityLimits",
    "EntityType",
    "FactKind",
    "FactSpec",
    "FactValue",
    "GuidelineRef",
    "Loss",
    "OperationsFacts",
    "PriorCoverage",
    "PriorCoverageStatus",
    "RequestedCoverage",
    "Rule",
    "RuleOutcome",
    "Rulebook",
    "TermList",
    "TinType",
    "UnderwritingFacts",
    "WaiverKind",
    "WaiverRequest",
    "check_condition",
    "evaluate",
    "evaluate_condition",
    "evaluate_rule",
]
