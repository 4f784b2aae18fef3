"""What a policy records about its term: notices sent, the cancellation, the renewal decision and
the final audit (plain records; the rules that make them live beside them in this package)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.reasons import Reason
from chalicelib.domain.term.earned import Method

NoticeKind = Literal["cancellation", "rescinding_bind", "non_renewal"]
AuditType = Literal["mail_in", "phone", "physical", "reconciliation"]
AuditBasis = Literal["expiration", "company_cancellation", "insured_cancellation"]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Notice(Record):
    """A notice sent to the insured: a cancellation notice (company reasons), the Rescinding
    Bind Notice, or a non-renewal notice."""

    kind: NoticeKind
    reason: str
    sent_at: datetime
    effective_date: date
    guideline: str | None = None


class LineReturn(Record):
    """One line's written premium split at cancellation."""

    written_cents: int
    earned_cents: int
    return_premium_cents: int


class Cancellation(Record):
    """The policy's cancellation: `scheduled` until its effective date, then `effective`."""

    reason: str
    effective_date: date
    method: Method
    earned_cents: int
    return_premium_cents: int
    status: Literal["scheduled", "effective"]
    requested_by: str
    requested_at: datetime
    # The status a withdrawal or reinstatement returns the policy to.
    prior_status: str = "active"
    lines: dict[str, LineReturn] = {}
    # Assignments of this policy cancelled with it (refunded; certificates voided by their owner).
    assignments_cancelled: int = 0


class RenewalDecision(Record):
    """How the renewal run decided: renewed (by `policy`), referred (waiting on `referral`), or
    non-renewed with its reasons."""

    status: Literal["renewed", "referred", "non_renewed"]
    decided_at: datetime
    policy: str | None = None
    referral: str | None = None
    reasons: list[Reason] = []


class FinalAudit(Record):
    """`final_audit` on an expired or cancelled annual term: requested, then completed."""

    type: AuditType
    due_by: date
    status: Literal["requested", "completed"]
    requested_at: datetime
    basis: AuditBasis
    estimated_premium_cents: int
    completed_at: datetime | None = None
    audited_pay_cents: dict[str, int] | None = None
    audited_premium_cents: int | None = None
    adjustment_cents: int | None = None
