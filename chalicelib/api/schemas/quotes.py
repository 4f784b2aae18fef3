"""Shapes for trades, programs, quotes and referrals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.api.schemas.common import (
    CalendarDate,
    Cents,
    Cursor,
    DecimalRange,
    Description,
    Imported,
    ObjectId,
    QueryModel,
    ReferralPointer,
    RequestModel,
    ResponseModel,
    StateCode,
    check_state,
    referral_pointer,
)
from chalicelib.domain.reasons import Reason

if TYPE_CHECKING:
    from chalicelib.domain.quotes import Quote, Referral
    from chalicelib.domain.routing import LineQuote
    from chalicelib.domain.underwriting import RequestedCoverage
else:  # imported when QuoteCreate / QuoteOut is first built: routing is most of a cold start
    LineQuote = Annotated[Any, Imported("chalicelib.domain.routing", "LineQuote")]
    RequestedCoverage = Annotated[
        Any, Imported("chalicelib.domain.underwriting", "RequestedCoverage")
    ]

Code = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Percent = Annotated[Decimal, DecimalRange("0", "100", places=2)]
Feet = Annotated[Decimal, DecimalRange("0", "10000", places=2)]


class WageSplitOut(ResponseModel):
    threshold_cents: int
    below: str
    at_or_above: str
    below_description: str
    at_or_above_description: str


class ClassCodeOut(ResponseModel):
    wc: str
    bureau: str
    description: str
    verified: bool
    wage_split: WageSplitOut | None = None


class GlClassOut(ResponseModel):
    code: str
    description: str
    verified: bool


class TradeOut(ResponseModel):
    code: str
    description: str
    gl_class: GlClassOut
    class_codes: dict[str, ClassCodeOut]


class TradeList(ResponseModel):
    data: list[TradeOut]


class CarrierOut(ResponseModel):
    name: str
    naic: str | None = None
    naic_verified: bool


class ProgramOut(ResponseModel):
    id: str
    line: str
    carrier: CarrierOut
    states: list[str]
    trades: list[str]
    priority: int
    guidelines: str
    per_dispatch: bool
    charges: dict[str, Any]
    term: dict[str, Any]


class ProgramList(ResponseModel):
    data: list[ProgramOut]


class OperationsIn(RequestModel):
    description: Description | None = None
    max_height_feet: Feet | None = None
    max_depth_feet: Feet | None = None
    subcontracted_pay_pct: Percent | None = None
    cash_labor_pct: Percent | None = None
    total_payroll_cents: Cents | None = None
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None


class QuoteCreate(RequestModel):
    contractor: ObjectId
    trade: Code
    work_state: StateCode
    lines: list[Literal["wc", "gl"]] = Field(min_length=1, max_length=2)
    effective_date: CalendarDate
    end_date: CalendarDate | None = None
    estimated_annual_pay_cents: Cents
    hourly_wage_cents: Cents | None = None
    customer: ObjectId | None = None
    employers_liability_limits: Annotated[
        str, StringConstraints(pattern=r"^\d{1,6}/\d{1,6}/\d{1,6}$")
    ] = "100/500/100"
    deductible_cents: Cents = 0
    rating_plan: Code = "guaranteed_cost"
    operations: OperationsIn | None = None
    requested_coverages: list[RequestedCoverage] = Field(default_factory=list, max_length=20)

    _state = field_validator("work_state")(check_state)

    @field_validator("lines")
    @classmethod
    def _distinct(cls, lines: list[str]) -> list[str]:
        if len(set(lines)) != len(lines):
            raise ValueError("each line at most once")
        return lines


class QuoteOut(ResponseModel):
    id: str
    object: Literal["quote"] = "quote"
    status: str
    contractor: str
    customer: str | None
    trade: str
    work_state: str
    effective_date: date
    end_date: date | None
    estimated_annual_pay_cents: int
    lines: dict[str, LineQuote]
    reasons: list[Reason]
    referral: ReferralPointer | None
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        referral = referral_pointer(quote.referral, quote.referral_status)
        return cls(
            id=quote.id,
            status=quote.status,
            contractor=quote.contractor,
            customer=quote.customer,
            trade=quote.trade,
            work_state=quote.work_state,
            effective_date=quote.effective_date,
            end_date=quote.end_date,
            estimated_annual_pay_cents=quote.estimated_annual_pay_cents,
            lines=quote.lines,
            reasons=quote.reasons,
            referral=referral,
            created_at=quote.created_at,
            expires_at=quote.expires_at,
        )


class ReferralOut(ResponseModel):
    id: str
    object: Literal["referral"] = "referral"
    status: str
    quote: str | None = Field(description="The referred quote, or null for a dispatch's referral.")
    assignment: str | None = Field(
        default=None, description="The referred assignment (a backdated dispatch), if any."
    )
    contractor: str
    platform: str
    reasons: list[Reason]
    subject: dict[str, Any] = Field(
        default_factory=dict,
        description="What is being decided: trade, state, pay and each line's rating.",
    )
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None

    @classmethod
    def of(cls, referral: Referral) -> ReferralOut:
        return cls.model_validate(referral.model_dump(exclude={"version"}))


class ReferralQuery(QueryModel):
    status: Literal["open", "approved", "declined"] | None = None
    quote: ObjectId | None = None
    assignment: ObjectId | None = None
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class ReferralDecision(RequestModel):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
