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
    RequestModel,
    ResponseModel,
)

if TYPE_CHECKING:
    from chalicelib.domain.policies import Payment, Policy, PolicyLine
    from chalicelib.domain.term import Notice, RenewalDecision
else:  # imported when PolicyOut is first built: the policy domain pulls in the term rules
    PolicyLine = Annotated[Any, Imported("chalicelib.domain.policies", "PolicyLine")]
    Notice = Annotated[Any, Imported("chalicelib.domain.term", "Notice")]
    RenewalDecision = Annotated[Any, Imported("chalicelib.domain.term", "RenewalDecision")]


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
    renewal: RenewalDecision | None = None
    created_at: datetime

    @classmethod
    def of(cls, policy: Policy) -> PolicyOut:
        return cls.model_validate(
            policy.model_dump(
                exclude={
                    "platform",
                    "version",
                    "paid_cents",
                    "updated_at",
                    "returned_premium_cents",
                    "audit_adjustment_cents",
                }
            )
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
