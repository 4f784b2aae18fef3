"""Final audits (California guidelines § Final Audits; rating-facts.md § Final audit).

type:    mail-in below the program's physical threshold of estimated annual premium, physical at
         or above it; programs without a threshold reconcile
due_by:  the end of the term + the program's days (60 after expiration, 30 after a company
         cancellation)
premium: the line's rating on audited pay per class (same rate, EL factor and experience mod);
         adjustment = audited premium - the estimated premium the term earned
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from chalicelib.domain.term.records import AuditBasis, AuditType, FinalAudit
from chalicelib.domain.term.rules import INSURED_REQUEST, TermRulebook

if TYPE_CHECKING:
    from chalicelib.domain.policies import Policy


def audit_type(estimated_annual_premium_cents: int, physical_min_cents: int | None) -> AuditType:
    """mail_in below the threshold (EAP $0-$9,999 in California), physical at or above it."""
    if physical_min_cents is None:
        return "reconciliation"
    return "physical" if estimated_annual_premium_cents >= physical_min_cents else "mail_in"


def audit_basis(policy: Policy) -> AuditBasis:
    cancellation = policy.cancellation
    if policy.status != "cancelled" or cancellation is None:
        return "expiration"
    return (
        "insured_cancellation" if cancellation.reason == INSURED_REQUEST else "company_cancellation"
    )


def term_ended_on(policy: Policy) -> date:
    if policy.status == "cancelled" and policy.cancellation is not None:
        return policy.cancellation.effective_date
    return policy.expiration_date


def audit_due_by(policy: Policy, rulebook: TermRulebook) -> date:
    """The term's end + the shortest due period of its annual programs for how it ended."""
    basis = audit_basis(policy)
    days = min(
        {
            "expiration": rules.final_audit.due_days_after_expiration,
            "company_cancellation": rules.final_audit.due_days_after_company_cancellation,
            "insured_cancellation": rules.final_audit.due_days_after_insured_cancellation,
        }[basis]
        for rules in (
            rulebook.for_program(line.program)
            for line in policy.lines.values()
            if line.estimated_annual_premium_cents is not None
        )
    )
    return term_ended_on(policy) + timedelta(days=days)


def estimated_premium_earned(policy: Policy) -> int:
    """The annual lines' estimated premium the term earned: all of it at expiration; after a
    cancellation, the same share of it as of the written premium (earned / written)."""
    estimated = sum(line.estimated_annual_premium_cents or 0 for line in policy.lines.values())
    cancellation = policy.cancellation
    if policy.status != "cancelled" or cancellation is None:
        return estimated
    written = sum(line.written_cents for line in cancellation.lines.values())
    if not written:
        return 0
    share = Fraction(estimated * cancellation.earned_cents, written)
    return int(share + Fraction(1, 2)) if share >= 0 else -int(-share + Fraction(1, 2))


__all__ = [
    "FinalAudit",
    "audit_basis",
    "audit_due_by",
    "audit_type",
    "estimated_premium_earned",
    "term_ended_on",
]
