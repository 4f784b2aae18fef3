"""The policy term: cancellation (short rate, pro rata, flat), reinstatement, rescission,
renewal, expiration and final audit, as rules over data (`chalicelib/data/term/`).

Modules: `rules` (the data files' models), `earned` (the premium math), `records` (what a policy
records: notices, cancellation, renewal decision, final audit), `cancellation`, `reinstatement`,
`audit`, `schedule` (when each policy or assignment is due for a term job). Nothing here imports
the aggregates at run time: `Policy` calls into this package.
"""

from __future__ import annotations

from chalicelib.domain.term.records import (
    Cancellation,
    FinalAudit,
    LineReturn,
    Notice,
    RenewalDecision,
)
from chalicelib.domain.term.rules import (
    COMPANY_REASONS,
    INSURED_REQUEST,
    CancelReason,
    ProgramTermRules,
    ShortRateTable,
    TermRulebook,
)
from chalicelib.domain.term.schedule import TERM_JOBS, Due, TermJob, assignment_due, policy_due

__all__ = [
    "COMPANY_REASONS",
    "INSURED_REQUEST",
    "TERM_JOBS",
    "CancelReason",
    "Cancellation",
    "Due",
    "FinalAudit",
    "LineReturn",
    "Notice",
    "ProgramTermRules",
    "RenewalDecision",
    "ShortRateTable",
    "TermJob",
    "TermRulebook",
    "assignment_due",
    "policy_due",
]
