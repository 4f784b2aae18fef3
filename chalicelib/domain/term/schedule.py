"""When a policy or an assignment is next due for a term job: the due index (docs/data-model.md).

Each item carries at most one (job, date) derived from its state, so writing the state keeps the
index right in the same transaction, and a job's Query returns only what is due:

policy    pending_payment                  rescissions   the day after down_payment_due_by
          active, renewal not yet decided  renewals      expiration - the renewal lead days
          cancellation_pending             expirations   the cancellation's effective date
          active (decided), non_renewed,   expirations   expiration_date
          renewal_pending_review
          cancelled / expired annual term  audits        the day it ended (no final audit yet;
                                                         a flat cancellation earns nothing)
assignment bound, partial, active          expirations   the first date on or after the window's
                                                         end (00:00 UTC)
           unreported, no audit request    audits        the day it became unreported
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from chalicelib.domain.assignments import Assignment
    from chalicelib.domain.policies import Policy

TermJob = Literal["renewals", "expirations", "rescissions", "audits"]
TERM_JOBS: tuple[TermJob, ...] = ("renewals", "expirations", "rescissions", "audits")
REPORTABLE = frozenset({"bound", "partial", "active"})


@dataclass(frozen=True)
class Due:
    job: TermJob
    on: date


def first_date_at_or_after(instant: datetime) -> date:
    """The UTC date whose 00:00 is the first midnight at or after `instant`."""
    at = instant.astimezone(UTC)
    return at.date() if at.time() == time(0) else at.date() + timedelta(days=1)


def policy_due(policy: Policy, renewal_lead_days: int) -> Due | None:
    """The policy's next term job and the date it is due (None: no job will act on it)."""
    status = policy.status
    if status == "pending_payment" and policy.down_payment_due_by is not None:
        return Due("rescissions", policy.down_payment_due_by + timedelta(days=1))
    if status == "cancellation_pending" and policy.cancellation is not None:
        return Due("expirations", policy.cancellation.effective_date)
    if status == "active" and policy.auto_renew and policy.renewal is None:
        return Due("renewals", policy.expiration_date - timedelta(days=renewal_lead_days))
    if status in {"active", "non_renewed", "renewal_pending_review"}:
        return Due("expirations", policy.expiration_date)
    if status in {"cancelled", "expired"} and policy.final_audit is None and policy.annual:
        if policy.cancellation is not None and policy.cancellation.method == "flat":
            return None
        ended = (
            policy.cancellation.effective_date
            if status == "cancelled" and policy.cancellation is not None
            else policy.expiration_date
        )
        return Due("audits", ended)
    return None


def assignment_due(assignment: Assignment) -> Due | None:
    """Open windows are due for `expirations` once they end; unreported ones for `audits`."""
    if assignment.status in REPORTABLE:
        return Due("expirations", first_date_at_or_after(assignment.window.end))
    if assignment.status == "unreported" and assignment.audit_requested_at is None:
        unreported = assignment.unreported_at or assignment.window.end
        return Due("audits", unreported.astimezone(UTC).date())
    return None
