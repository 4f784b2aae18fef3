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
    from chalicelib.domain.quotes import Quote, QuoteStatus, Referral, ReferralStatus
    from chalicelib.domain.routing import LineQuote
    from chalicelib.domain.underwriting import Application, RequestedCoverage, Rulebook
else:  # imported when QuoteCreate / QuoteOut is first built: routing is most of a cold start
    QuoteStatus = Annotated[Any, Imported("chalicelib.domain.quotes", "QuoteStatus")]
    ReferralStatus = Annotated[Any, Imported("chalicelib.domain.quotes", "ReferralStatus")]
    LineQuote = Annotated[Any, Imported("chalicelib.domain.routing", "LineQuote")]
    RequestedCoverage = Annotated[
        Any, Imported("chalicelib.domain.underwriting", "RequestedCoverage")
    ]

Code = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Percent = Annotated[Decimal, DecimalRange("0", "100", places=2)]
Feet = Annotated[Decimal, DecimalRange("0", "10000", places=2)]


class WageSplitOut(ResponseModel):
    threshold_cents: int
    """The hourly wage, in cents, at which the class changes."""
    below: str
    """The class code below the threshold."""
    at_or_above: str
    """The class code at or above the threshold."""
    below_description: str
    """What the lower-wage class covers."""
    at_or_above_description: str
    """What the higher-wage class covers."""


class ClassCodeOut(ResponseModel):
    wc: str
    """The WC class code in this jurisdiction."""
    bureau: str
    """The rating bureau whose code it is (`NCCI`, `WCIRB`...)."""
    description: str
    """What the class covers."""
    verified: bool
    """Whether the code was checked against the bureau's manual (false: sample data)."""
    wage_split: WageSplitOut | None = None
    """Where the state splits the class by hourly wage (California); null elsewhere."""


class GlClassOut(ResponseModel):
    code: str
    """The GL class code."""
    description: str
    """What the class covers."""
    verified: bool
    """Whether the code was checked against the source (false: sample data)."""


class TradeOut(ResponseModel):
    code: str
    """The trade's code, used in quotes and assignments (`hvac`)."""
    description: str
    """What the trade is."""
    gl_class: GlClassOut
    """The trade's GL class."""
    class_codes: dict[str, ClassCodeOut]
    """The WC class per jurisdiction a WC program writes, keyed by state code."""


class TradeList(ResponseModel):
    data: list[TradeOut]
    """Every trade."""


class CarrierOut(ResponseModel):
    name: str
    """The insurance company."""
    naic: str | None = None
    """Its NAIC company code, when known."""
    naic_verified: bool
    """Whether the NAIC code was checked (false: sample data)."""


class HazardOut(ResponseModel):
    """One operation of a WC program's hazard catalogue."""

    code: str
    """The hazard's code, as sent in `operations.hazards`."""
    label: str
    """What the operation is, in the guideline's words."""
    guideline: str
    """The guideline section that names it."""
    effect: Literal["decline", "refer", "note"]
    """What it does to a WC line: `decline`, `refer` or `note`."""


class ProgramOut(ResponseModel):
    id: str
    """The program's ID, such as `multistate-wc`."""
    line: str
    """`wc` or `gl`."""
    carrier: CarrierOut
    """The carrier that writes it."""
    states: list[str]
    """The states (and DC) it writes."""
    trades: list[str]
    """The trades it writes."""
    priority: int
    """Order of consideration: lower goes first (state-specific programs before multistate ones)."""
    guidelines: str
    """The underwriting guidelines document the rules come from."""
    per_dispatch: bool
    """Whether premium is earned per assignment (no retainer, no minimum per tech)."""
    charges: dict[str, Any]
    """The program's charges (expense constant, minimum premium, waiver terms...), as in its data
    file."""
    term: dict[str, Any]
    """The program's term rules (down payment, notice days, audits...), as in its data file."""
    hazards: list[HazardOut] | None = Field(
        default=None,
        description="WC programs: the hazard catalogue (every prohibited or referred operation "
        "the program's guidelines name); its application is GET /v1/programs/{id}/application.",
    )


class ProgramList(ResponseModel):
    data: list[ProgramOut]
    """Every program, in priority order."""


def hazards_of(rulebook: Rulebook) -> list[HazardOut]:
    return [
        HazardOut(code=h.code, label=h.label, guideline=str(h.guideline), effect=h.effect)
        for h in rulebook.hazard_catalogue()
    ]


class OptionOut(ResponseModel):
    code: str
    """The option's code (a hazard code)."""
    label: str
    """What the option means."""
    guideline: str
    """The guideline section behind it."""


class QuestionOut(ResponseModel):
    id: str
    """The question's field in the quote's `operations` (e.g. `max_height_feet`)."""
    text: str
    """The question as an applicant reads it."""
    type: Literal["number", "percent", "multi_select"]
    """The answer's type: `number`, `percent` or `multi_select` (hazard codes)."""
    unit: str | None = None
    """The unit of a number answer (`feet`), if any."""
    options: list[OptionOut] | None = None
    """A `multi_select` question's options: the program's hazard catalogue."""
    required: bool
    """Whether a missing answer refers the line (`missing_information`)."""
    guideline: str
    """The guideline section the question comes from."""


class ContractorFactOut(ResponseModel):
    field: str = Field(description="The contractor record's field (POST/PATCH /v1/contractors).")
    text: str
    """What the rules read from it, in words."""
    required: bool
    """Whether it must be on the contractor record for the line to be eligible."""
    required_when: dict[str, Any] | None = None
    """The condition under which it is required (e.g. a lapsed prior coverage), if any."""
    guideline: str
    """The guideline section behind it."""


class ApplicationOut(ResponseModel):
    """A WC program's application: its questions (answered in the quote's `operations`) and the
    contractor facts its rules read. A required answer missing refers the line."""

    object: Literal["application"] = "application"
    program: str
    """The WC program the application belongs to."""
    version: str
    """The question set's version, recorded with each quote that answered it."""
    effective_date: date
    """The day this version took effect."""
    questions: list[QuestionOut]
    """The questions, answered in the quote's `operations`."""
    contractor_facts: list[ContractorFactOut]
    """The contractor record's fields the program's rules read."""

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
    """What the contractor does, in words; screened for hazards."""
    max_height_feet: Feet | None = None
    """Greatest working height, in feet."""
    max_depth_feet: Feet | None = None
    """Greatest working depth (trenches, excavations), in feet."""
    subcontracted_pay_pct: Percent | None = None
    """Share of pay that goes to subcontractors, in percent."""
    cash_labor_pct: Percent | None = None
    """Share of labour paid in cash, in percent."""
    total_payroll_cents: Cents | None = None
    """The applicant's whole-business annual payroll, in cents; wins over the contractor record."""
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    """The applicant's whole-business employee count; wins over the contractor record."""
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
    """The contractor to quote (`ctr_...`)."""
    trade: Code
    """The trade, such as `hvac` (see `GET /v1/trades`)."""
    work_state: StateCode
    """The state the work is in (two letters)."""
    lines: list[Literal["wc", "gl"]] = Field(min_length=1, max_length=2)
    """Lines to quote: `wc`, `gl`, each at most once."""
    effective_date: CalendarDate
    """First day of coverage (YYYY-MM-DD, UTC)."""
    end_date: CalendarDate | None = None
    """Last day; default a year on (a term is at most 12 months)."""
    estimated_annual_pay_cents: Cents
    """Estimated annual pay in cents: the rating exposure for the quote's estimated premium."""
    hourly_wage_cents: Cents | None = None
    """The tech's hourly wage in cents, for states that split a class by wage (California)."""
    customer: ObjectId | None = None
    """A customer-of-record whose requirements the quote prices (`cus_...`)."""
    employers_liability_limits: Annotated[
        str, StringConstraints(pattern=r"^\d{1,6}/\d{1,6}/\d{1,6}$")
    ] = "100/500/100"
    """WC employers' liability limits in thousands, `A/B/C` (default `100/500/100`); above the
    program's table the line is referred."""
    deductible_cents: Cents = 0
    """A deductible in cents (default 0)."""
    rating_plan: Code = "guaranteed_cost"
    """`guaranteed_cost` (default); other plans are referred."""
    operations: OperationsIn | None = None
    """The application's answers about the contractor's operations."""
    requested_coverages: list[RequestedCoverage] = Field(default_factory=list, max_length=20)
    """Special coverages asked for (USL&H, Jones Act...), screened by the program that takes the
    line."""

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
    status: QuoteStatus
    """`eligible` (every line), `declined` (every line), `referred` (some line referred, none
    declined), or `partial`."""
    contractor: str
    """The contractor quoted (`ctr_...`)."""
    customer: str | None
    """The customer-of-record priced, if any."""
    trade: str
    """The trade quoted."""
    work_state: str
    """The work state."""
    effective_date: date
    """First day of coverage."""
    end_date: date | None
    """Last day of coverage, if given."""
    estimated_annual_pay_cents: int
    """The rating exposure, in cents."""
    lines: dict[str, LineQuote]
    """Each line quoted (`wc`, `gl`): status, program, class, rate, premium and reasons."""
    reasons: list[Reason]
    """Reasons across the quote."""
    referral: ReferralPointer | None
    """The referral a referred line opened, if any."""
    application: dict[str, Any] | None = Field(
        default=None,
        description="The application answers the lines were underwritten on, the version of "
        "each program's question set, who sent them and when.",
    )
    created_at: datetime
    expires_at: datetime
    """After this the quote no longer binds (409 `quote_expired`)."""

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
            application=quote.application.model_dump(mode="json") if quote.application else None,
            created_at=quote.created_at,
            expires_at=quote.expires_at,
        )


class ReferralOut(ResponseModel):
    id: str
    object: Literal["referral"] = "referral"
    status: ReferralStatus
    """`open` until an underwriter decides it."""
    quote: str | None = Field(description="The referred quote, or null for a dispatch's referral.")
    assignment: str | None = Field(
        default=None, description="The referred assignment (a backdated dispatch), if any."
    )
    contractor: str
    """The contractor (`ctr_...`)."""
    platform: str
    """The platform it belongs to (`plt_...`)."""
    reasons: list[Reason]
    """Why it was referred, each with its guideline."""
    subject: dict[str, Any] = Field(
        default_factory=dict,
        description="What is being decided: trade, state, pay and each line's rating.",
    )
    created_at: datetime
    decided_by: str | None = None
    """The underwriter key that decided it."""
    decided_at: datetime | None = None
    """When it was decided."""
    note: str | None = None
    """The underwriter's note."""
    el_limits_factor: str | None = None
    """The factor an underwriter approved for EL limits above the program's table (a decimal
    string), if any."""

    @classmethod
    def of(cls, referral: Referral) -> ReferralOut:
        return cls.model_validate(referral.model_dump(exclude={"version"}))


class ReferralQuery(QueryModel):
    status: Literal["open", "approved", "declined"] | None = None
    """Only referrals with this status."""
    quote: ObjectId | None = None
    """Only this quote's referral (`qte_...`)."""
    assignment: ObjectId | None = None
    """Only this assignment's referral (`asg_...`)."""
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class ReferralDecision(RequestModel):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    """The underwriter's note, kept on the referral."""
    el_limits_factor: Annotated[Decimal, DecimalRange("1", "9.999", places=3)] | None = Field(
        default=None,
        description="Approving a line whose employer's liability limits are above its "
        "program's table: the factor that prices them (required for such a referral).",
    )
