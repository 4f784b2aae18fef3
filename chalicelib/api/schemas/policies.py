"""Shapes for policies and payments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.api.schemas.common import (
    CalendarDate,
    Cents,
    Cursor,
    Imported,
    Instant,
    ObjectId,
    QueryModel,
    ReferralPointer,
    RequestModel,
    ResponseModel,
    referral_pointer,
)

if TYPE_CHECKING:
    from chalicelib.domain.policies import Payment, Policy, PolicyClass, PolicyLine, PolicyStatus
    from chalicelib.domain.term import Notice, RenewalDecision
    from chalicelib.domain.term.records import Cancellation, FinalAudit
else:  # imported when PolicyOut is first built: the policy domain pulls in the term rules
    PolicyLine = Annotated[Any, Imported("chalicelib.domain.policies", "PolicyLine")]
    PolicyClass = Annotated[Any, Imported("chalicelib.domain.policies", "PolicyClass")]
    PolicyStatus = Annotated[Any, Imported("chalicelib.domain.policies", "PolicyStatus")]
    Notice = Annotated[Any, Imported("chalicelib.domain.term", "Notice")]
    RenewalDecision = Annotated[Any, Imported("chalicelib.domain.term", "RenewalDecision")]
    Cancellation = Annotated[Any, Imported("chalicelib.domain.term.records", "Cancellation")]
    FinalAudit = Annotated[Any, Imported("chalicelib.domain.term.records", "FinalAudit")]
from chalicelib.domain.reasons import Reason


class PolicyCreate(RequestModel):
    quote: ObjectId
    """The quote to bind (`qte_...`): its eligible and approved lines."""
    accept_terms: bool
    """Must be `true`: the platform's attestation that the contractor accepted the terms and gave
    the application's answers."""

    @field_validator("accept_terms")
    @classmethod
    def _accepted(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("the contractor must accept the terms (accept_terms: true)")
        return value


class PolicyOut(ResponseModel):
    id: str
    object: Literal["policy"] = "policy"
    number: str
    """The policy number; a renewal keeps it."""
    contractor: str
    """The named insured (`ctr_...`)."""
    quote: str
    """The quote it was bound from (`qte_...`)."""
    trade: str
    """The trade it was underwritten for."""
    lines: dict[str, PolicyLine]
    """Each line on the policy (`wc`, `gl`): program, carrier, states, what was quoted."""
    status: PolicyStatus
    """`pending_payment`, `active`, `cancellation_pending`, `cancelled`, `rescinded`, `expired`,
    `renewal_pending_review` or `non_renewed`."""
    effective_date: date
    """First day of the term (UTC)."""
    expiration_date: date
    """The day the term ends (exclusive, 00:00 UTC)."""
    auto_renew: bool
    """Whether the renewals job renews it."""
    estimated_annual_premium_cents: int | None
    """Annual programs: the estimated premium for the term, in cents; null for per-dispatch
    programs."""
    balance_due_cents: int
    """What is owed now, in cents; payments reduce it."""
    down_payment_due_cents: int | None
    """The down payment, for programs that require one."""
    down_payment_due_by: date | None
    """When the down payment is due; unpaid after it the bind is rescinded."""
    final_audit: FinalAudit | None
    """The final audit of an expired or cancelled annual term."""
    cancellation: Cancellation | None
    """The cancellation, scheduled or in effect."""
    notices: list[Notice] = []
    """Notices sent to the insured (cancellation, rescinding bind, non-renewal)."""
    renewal_of: str | None
    """The policy this one renews (`pol_...`)."""
    renewed_by: str | None = None
    """The policy that renews this one."""
    renewal: RenewalOut | None = None
    """How the renewals job decided."""
    classes: list[PolicyClass] = Field(
        default_factory=list,
        description="The trades the policy was underwritten for, per line, each with when and "
        "how it was added (quote, dispatch or referral).",
    )
    application: dict[str, Any] | None = Field(
        default=None,
        description="The application answers the policy was underwritten on, with the question "
        "sets' versions, who sent them and when, and the accept_terms attestation.",
    )
    created_at: datetime

    @classmethod
    def of(cls, policy: Policy) -> PolicyOut:
        data = policy.model_dump(
            exclude={
                "platform",
                "version",
                "paid_cents",
                "updated_at",
                "returned_premium_cents",
                "audit_adjustment_cents",
                "renewal",
            }
        )
        data["renewal"] = RenewalOut.of(policy.renewal) if policy.renewal else None
        return cls.model_validate(data)


# A renewal's referral is decided when the renewal is: renewed on approval, non-renewed on decline.
_RENEWAL_REFERRAL = {"referred": "open", "renewed": "approved", "non_renewed": "declined"}


class RenewalOut(ResponseModel):
    """How the renewal run decided; a referred renewal points at its referral."""

    status: Literal["renewed", "referred", "non_renewed"]
    """`renewed`, `referred` (waiting for an underwriter) or `non_renewed`."""
    decided_at: datetime
    """When the renewals job decided."""
    policy: str | None = None
    """The renewal policy (`pol_...`), when renewed."""
    referral: ReferralPointer | None = None
    """The referral waiting for an underwriter, when referred."""
    reasons: list[Reason] = []
    """Why it was referred or not renewed, or which added classes were not carried."""

    @classmethod
    def of(cls, decision: RenewalDecision) -> RenewalOut:
        return cls(
            status=decision.status,
            decided_at=decision.decided_at,
            policy=decision.policy,
            referral=referral_pointer(decision.referral, _RENEWAL_REFERRAL[decision.status]),
            reasons=decision.reasons,
        )


CancelReasonText = Literal[
    "insured_request",
    "nonpayment",
    "nonreport_payroll",
    "misrepresentation",
    "noncooperation",
    "loss_control_noncompliance",
    "material_change",
    "company_error",
]


class PolicyCancel(RequestModel):
    """`insured_request` (any role; short rate; default today) or a company reason (underwriter
    or admin; pro rata; default and earliest: today + the program's notice days)."""

    reason: CancelReasonText
    """`insured_request` (any role; short rate) or a company reason (underwriter or admin; pro
    rata)."""
    effective_date: CalendarDate | None = None
    """When it takes effect (default: today, or today plus the program's notice days for a
    company reason)."""


class PolicyReinstate(RequestModel):
    """No fields: the program's rules decide."""


ClassCode = Annotated[str, StringConstraints(pattern=r"^\d{3,5}$")]


class PolicyAudit(RequestModel):
    audited_pay_cents: dict[ClassCode, Cents] = Field(min_length=1, max_length=50)
    """Audited pay per class code, in cents."""
    completed_at: Instant
    """When the audit was completed."""


class PolicyQuery(QueryModel):
    contractor: ObjectId | None = None
    """Only this contractor's policies (`ctr_...`)."""
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class PaymentCreate(RequestModel):
    amount_cents: Cents = Field(gt=0)
    """The amount paid, in cents (more than 0)."""
    reference: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    """Your reference for the payment (a charge or transfer ID)."""


class PaymentOut(ResponseModel):
    id: str
    object: Literal["payment"] = "payment"
    policy: str
    """The policy paid (`pol_...`)."""
    amount_cents: int
    """The amount paid, in cents."""
    reference: str
    """Your reference for the payment."""
    created_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls.model_validate(payment.model_dump(exclude={"platform"}))
