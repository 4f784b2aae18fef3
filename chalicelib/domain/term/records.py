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
    """`cancellation`, `rescinding_bind` or `non_renewal`."""
    reason: str
    """Why it was sent."""
    sent_at: datetime
    """When it was sent."""
    effective_date: date
    """When what it announces takes effect."""
    guideline: str | None = None
    """The guideline that requires it, if any."""


class LineReturn(Record):
    """One line's written premium split at cancellation."""

    written_cents: int
    """The line's written premium."""
    earned_cents: int
    """What the line earned."""
    return_premium_cents: int
    """Written minus earned."""


class Cancellation(Record):
    """The policy's cancellation: `scheduled` until its effective date, then `effective`."""

    reason: str
    """Why: `insured_request` or a company reason."""
    effective_date: date
    """When it takes effect."""
    method: Method
    """`pro_rata`, `short_rate` or `flat` (on or before inception)."""
    earned_cents: int
    """Premium earned to the effective date."""
    return_premium_cents: int
    """Written minus earned, returned (booked as `return_premium`)."""
    status: Literal["scheduled", "effective"]
    """`scheduled` until its effective date, then `effective`."""
    requested_by: str
    """The key that asked for it."""
    requested_at: datetime
    """When it was asked for."""
    # The status a withdrawal or reinstatement returns the policy to.
    prior_status: str = "active"
    """The status a withdrawal or reinstatement returns the policy to."""
    lines: dict[str, LineReturn] = {}
    """Each line's written, earned and returned premium."""
    # Assignments of this policy cancelled with it (refunded; certificates voided by their owner).
    assignments_cancelled: int = 0
    """How many assignments were cancelled and refunded with it."""


class RenewalDecision(Record):
    """How the renewal run decided: renewed (by `policy`), referred (waiting on `referral`), or
    non-renewed with its reasons."""

    status: Literal["renewed", "referred", "non_renewed"]
    """`renewed`, `referred` or `non_renewed`."""
    decided_at: datetime
    """When the renewals job decided."""
    policy: str | None = None
    """The renewal policy (`pol_...`), when renewed."""
    referral: str | None = None
    """The referral waiting for an underwriter, when referred."""
    reasons: list[Reason] = []
    """Why it was referred or not renewed."""


class FinalAudit(Record):
    """`final_audit` on an expired or cancelled annual term: requested, then completed."""

    type: AuditType
    """`mail_in`, `phone`, `physical` or `reconciliation`."""
    due_by: date
    """When the audit is due."""
    status: Literal["requested", "completed"]
    """`requested`, then `completed`."""
    requested_at: datetime
    """When it was requested."""
    basis: AuditBasis
    """Why the term is audited: `expiration`, `company_cancellation` or `insured_cancellation`."""
    estimated_premium_cents: int
    """The term's estimated premium."""
    completed_at: datetime | None = None
    """When it was completed."""
    audited_pay_cents: dict[str, int] | None = None
    """Audited pay per class code, in cents."""
    audited_premium_cents: int | None = None
    """The premium on audited pay."""
    adjustment_cents: int | None = None
    """Audited minus estimated premium (booked as `audit_adjustment`)."""
