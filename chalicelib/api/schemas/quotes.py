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
    RequestModel,
    ResponseModel,
    StateCode,
    check_state,
)
from chalicelib.domain.reasons import Reason

if TYPE_CHECKING:
    from chalicelib.domain.quotes import Quote, Referral
    from chalicelib.domain.routing import LineQuote
    from chalicelib.domain.underwriting import Application, RequestedCoverage, Rulebook
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


class HazardOut(ResponseModel):
    """One operation of a WC program's hazard catalogue."""

    code: str
    label: str
    guideline: str
    effect: Literal["decline", "refer", "note"]


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
    hazards: list[HazardOut] | None = Field(
        default=None,
        description="WC programs: the hazard catalogue (every prohibited or referred operation "
        "the program's guidelines name); its application is GET /v1/programs/{id}/application.",
    )


class ProgramList(ResponseModel):
    data: list[ProgramOut]


def hazards_of(rulebook: Rulebook) -> list[HazardOut]:
    return [
        HazardOut(code=h.code, label=h.label, guideline=str(h.guideline), effect=h.effect)
        for h in rulebook.hazard_catalogue()
    ]


class OptionOut(ResponseModel):
    code: str
    label: str
    guideline: str


class QuestionOut(ResponseModel):
    id: str
    text: str
    type: Literal["number", "percent", "multi_select"]
    unit: str | None = None
    options: list[OptionOut] | None = None
    required: bool
    guideline: str


class ContractorFactOut(ResponseModel):
    field: str = Field(description="The contractor record's field (POST/PATCH /v1/contractors).")
    text: str
    required: bool
    required_when: dict[str, Any] | None = None
    guideline: str


class ApplicationOut(ResponseModel):
    """A WC program's application: its questions (answered in the quote's `operations`) and the
    contractor facts its rules read. A required answer missing refers the line."""

    object: Literal["application"] = "application"
    program: str
    version: str
    effective_date: date
    questions: list[QuestionOut]
    contractor_facts: list[ContractorFactOut]

    @classmethod
    def of(cls, application: Application, rulebook: Rulebook) -> ApplicationOut:
        options = [
            OptionOut(code=h.code, label=h.label, guideline=h.guideline)
            for h in hazards_of(rulebook)
        ]
        return cls(
            program=application.program,
            version=application.version,
            effective_date=application.effective_date,
            questions=[
                QuestionOut(
                    id=q.id,
                    text=q.text,
                    type=q.type,
                    unit=q.unit,
                    options=options if q.type == "multi_select" else None,
                    required=q.required,
                    guideline=str(q.guideline),
                )
                for q in application.questions
            ],
            contractor_facts=[
                ContractorFactOut(
                    field=c.field,
                    text=c.text,
                    required=c.required,
                    required_when=c.required_when.model_dump(mode="json", by_alias=True)
                    if c.required_when is not None
                    else None,
                    guideline=str(c.guideline),
                )
                for c in application.contractor_facts
            ],
        )


class OperationsIn(RequestModel):
    description: Description | None = None
    max_height_feet: Feet | None = None
    max_depth_feet: Feet | None = None
    subcontracted_pay_pct: Percent | None = None
    cash_labor_pct: Percent | None = None
    total_payroll_cents: Cents | None = None
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    hazards: list[Code] | None = Field(
        default=None,
        max_length=100,
        description="The operations the contractor performs out of the program's hazard "
        "catalogue (GET /v1/programs); [] means none.",
    )

    @field_validator("hazards")
    @classmethod
    def _known_hazards(cls, hazards: list[str] | None) -> list[str] | None:
        if hazards is None:
            return None
        from chalicelib.underwriting_rules import known_hazards

        unknown = sorted(set(hazards) - known_hazards())
        if unknown:
            raise ValueError(f"unknown hazard codes {unknown}; see GET /v1/programs")
        if len(set(hazards)) != len(hazards):
            raise ValueError("each hazard at most once")
        return hazards


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
    referral: dict[str, str] | None
    application: dict[str, Any] | None = Field(
        default=None,
        description="The application answers the lines were underwritten on, the version of "
        "each program's question set, who sent them and when.",
    )
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        referral = (
            {"id": quote.referral, "status": quote.referral_status or "open"}
            if quote.referral
            else None
        )
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
            application=quote.application.model_dump(mode="json") if quote.application else None,
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
    el_limits_factor: str | None = None

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
    el_limits_factor: (
        Annotated[Decimal, Field(ge=1, le=Decimal("9.999"), decimal_places=3)] | None
    ) = Field(
        default=None,
        description="Approving a line whose employer's liability limits are above its "
        "program's table: the factor that prices them (required for such a referral).",
    )
