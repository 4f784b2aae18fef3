"""Policies: the tech opts in once; a policy with a term window covers every later dispatch.

`aggregate.py` is the `Policy` aggregate (bind, adopt, classes, payments), `term.py` its term
transitions, `records.py` the parts (lines, classes, payments) and the coverage check."""

from chalicelib.domain.policies.aggregate import Policy
from chalicelib.domain.policies.records import (
    BINDING_STATUSES,
    CLOSED_STATUSES,
    ClassSource,
    Payment,
    PolicyClass,
    PolicyLine,
    PolicyStatus,
    TermFigures,
    coverage_gap,
    policy_number,
)

__all__ = [
    "BINDING_STATUSES",
    "CLOSED_STATUSES",
    "ClassSource",
    "Payment",
    "Policy",
    "PolicyClass",
    "PolicyLine",
    "PolicyStatus",
    "TermFigures",
    "coverage_gap",
    "policy_number",
]
