"""Shapes for policies and payments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.api.schemas.common import (
    CalendarDate,
    Cents,
    Cursor,
    Instant,
    ObjectId,
    QueryModel,
    ReferralPointer,
    RequestModel,
    ResponseModel,
    referral_pointer,
)
from chalicelib.domain.policies import Payment, Policy, PolicyLine
from chalicelib.domain.reasons import Reason
from chalicelib.domain.term import Notice, RenewalDecision


class PolicyCreate(RequestModel):
    quote: ObjectId
    accept_terms: bool

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
    contractor: str
    quote: str
    trade: str
    lines: dict[str, PolicyLine]
    status: str
    effective_date: date
    expiration_date: date
    auto_renew: bool
    estimated_annual_premium_cents: int | None
    balance_due_cents: int
    down_payment_due_cents: int | None
    down_payment_due_by: date | None
    final_audit: dict[str, Any] | None
    cancellation: dict[str, Any] | None
    notices: list[Notice] = []
    renewal_of: str | None
    renewed_by: str | None = None
    renewal: RenewalOut | None = None
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
    decided_at: datetime
    policy: str | None = None
    referral: ReferralPointer | None = None
    reasons: list[Reason] = []

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
    effective_date: CalendarDate | None = None


class PolicyReinstate(RequestModel):
    """No fields: the program's rules decide."""


ClassCode = Annotated[str, StringConstraints(pattern=r"^\d{3,5}$")]


class PolicyAudit(RequestModel):
    audited_pay_cents: dict[ClassCode, Cents] = Field(min_length=1, max_length=50)
    completed_at: Instant


class PolicyQuery(QueryModel):
    contractor: ObjectId | None = None
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class PaymentCreate(RequestModel):
    amount_cents: Cents = Field(gt=0)
    reference: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class PaymentOut(ResponseModel):
    id: str
    object: Literal["payment"] = "payment"
    policy: str
    amount_cents: int
    reference: str
    created_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls.model_validate(payment.model_dump(exclude={"platform"}))
