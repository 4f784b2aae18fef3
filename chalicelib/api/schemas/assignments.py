"""Shapes for assignments and the premium ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.api.schemas.certificates import CertificateRef
from chalicelib.api.schemas.common import (
    AddressIn,
    Cents,
    Cursor,
    DecimalRange,
    Description,
    ExternalId,
    Imported,
    Instant,
    JsonNumber,
    ObjectId,
    ReferralPointer,
    RequestModel,
    ResponseModel,
    StateCode,
    check_state,
    referral_pointer,
)
from chalicelib.api.schemas.parties import Requirements, RequirementsPatch
from chalicelib.api.schemas.reads import DateRangeQuery
from chalicelib.domain.reasons import Reason

if TYPE_CHECKING:
    from chalicelib.domain.assignments import Assignment, LineCoverage
    from chalicelib.domain.assignments.lines import AssignmentStatus, LineStatus
    from chalicelib.domain.ledger import LedgerEntry
    from chalicelib.domain.rating import PremiumBreakdown
else:  # imported when the models are first built: the assignment and rating domains are costly
    AssignmentStatus = Annotated[
        Any, Imported("chalicelib.domain.assignments.lines", "AssignmentStatus")
    ]
    LineStatus = Annotated[Any, Imported("chalicelib.domain.assignments.lines", "LineStatus")]
    PremiumBreakdown = Annotated[Any, Imported("chalicelib.domain.rating", "PremiumBreakdown")]

# API.md: `estimated_hours` 0.25-744 (a month of hours), and the same for actual hours.
Hours = Annotated[Decimal, DecimalRange("0.25", "744", places=2)]


class WindowIn(RequestModel):
    start: Instant
    """When the window opens: RFC 3339 with an offset (`2026-12-01T08:00:00-05:00`)."""
    end: Instant
    """When the window closes; after `start`, and not in the past."""

    @model_validator(mode="after")
    def _ordered(self) -> WindowIn:
        if self.end <= self.start:
            raise ValueError("window.end must be after window.start")
        return self


class PayIn(RequestModel):
    amount_cents: Cents
    """The tech's labour pay for the job, materials excluded, in cents: the whole job's pay
    (`flat`) or the hourly rate (`hourly`)."""
    basis: Literal["flat", "hourly"]
    """`flat`: `amount_cents` is the job's pay; `hourly`: it is the hourly rate."""
    estimated_hours: Hours | None = None
    """Estimated hours (0.25 to 744); required when `basis` is `hourly`."""

    @model_validator(mode="after")
    def _hours_for_hourly(self) -> PayIn:
        if self.basis == "hourly" and self.estimated_hours is None:
            raise ValueError("estimated_hours is required when basis is hourly")
        return self


class PayOut(ResponseModel):
    amount_cents: int
    """The tech's labour pay for the job (flat) or per hour (hourly), in cents."""
    basis: Literal["flat", "hourly"]
    """`flat` or `hourly`."""
    estimated_hours: JsonNumber | None = None
    """Estimated hours for hourly pay; null for flat pay without hours."""


class AssignmentCreate(RequestModel):
    external_id: ExternalId
    """Your ID for the dispatch (job); unique per platform: a second create with it is 409
    `duplicate_external_id`."""
    contractor: ObjectId
    """The tech doing the job (`ctr_...`): the named insured."""
    customer: ObjectId | None = None
    """The customer-of-record (`cus_...`) whose requirements apply and who is named on the
    certificate."""
    trade: Annotated[str, Field(min_length=1, max_length=80)]
    """The trade of the job, such as `hvac` (see `GET /v1/trades`). A trade the policy was not
    underwritten for is underwritten on the dispatch."""
    description: Description | None = None
    """What the job is; screened like the application (a named hazard refers the line)."""
    work_address: AddressIn
    """Where the work is done: its state picks the class code and rate."""
    window: WindowIn
    """When the job is scheduled; coverage is for this window."""
    pay: PayIn
    """The tech's labour pay for the job: the exposure the premium is rated on."""
    lines: list[Literal["wc", "gl"]] = Field(min_length=1, max_length=2)
    """Lines to cover: `wc` (workers' compensation), `gl` (general liability), each at most once."""
    requirements: RequirementsPatch | None = None
    """Requirements for this job, overriding the customer's flag by flag."""
    bind: bool = True
    """`true` (default): bind each eligible line; `false`: rate only (`quoted`, nothing booked)."""

    @model_validator(mode="after")
    def _distinct_lines(self) -> AssignmentCreate:
        if len(set(self.lines)) != len(self.lines):
            raise ValueError("each line at most once")
        return self


class AssignmentPatch(RequestModel):
    window: WindowIn | None = None
    """A new window. Omitted: unchanged."""
    pay: PayIn | None = None
    """New pay; the job is re-rated and the difference booked. Omitted: unchanged."""
    customer: ObjectId | None = None
    """A new customer-of-record (it cannot be removed). Omitted: unchanged."""
    description: Description | None = None
    """A new description. Omitted: unchanged."""

    @model_validator(mode="after")
    def _customer_not_removed(self) -> AssignmentPatch:
        if "customer" in self.model_fields_set and self.customer is None:
            raise ValueError(
                "a customer-of-record cannot be removed from a bound job: cancel it and "
                "dispatch again"
            )
        return self


class StartIn(RequestModel):
    at: Instant | None = None
    """When the tech arrived on site (default: now); may be before the window opens, not after it
    closes."""


class CompleteIn(RequestModel):
    actual_pay_cents: Cents
    """What the job actually paid the tech, in cents: the premium is recomputed on it."""
    actual_hours: Hours | None = None
    """Hours actually worked (0.25 to 744), for hourly pay."""
    completed_at: Instant | None = None
    """When the job was completed (default: now)."""


class CancelIn(RequestModel):
    reason: Literal["client_request", "contractor_request"]
    """Who asked: `client_request` or `contractor_request`."""


class EndorsementOut(ResponseModel):
    """An endorsement on a line, with the charge it adds."""

    code: str
    """The endorsement, such as `waiver_of_subrogation_specific` or
    `waiver_of_subrogation_blanket`."""
    form: str
    """The endorsement form's number as printed on the policy."""
    charge_cents: int
    """What it adds to this line's premium, in cents (the program's percentage of the premium it
    covers; a minimum is booked once per customer and term as `waiver_charge`)."""


class AdditionalInsuredOut(ResponseModel):
    """A customer-of-record named as additional insured on a GL line."""

    customer: str
    """The customer's ID (`cus_...`)."""
    name: str
    """The customer's name as printed on the certificate."""
    address: AddressIn
    """The customer's address as printed on the certificate."""
    forms: list[str]
    """The additional-insured endorsement forms (ongoing and completed operations)."""
    primary_noncontributory: bool
    """Whether the coverage is primary and non-contributory for this customer."""


class WindowOut(ResponseModel):
    """When the job is scheduled."""

    start: datetime
    """When the window opens (RFC 3339)."""
    end: datetime
    """When the window closes (RFC 3339); coverage never runs past it."""


class CoverageOut(ResponseModel):
    status: LineStatus
    """The line's status: `bound`, `quoted`, `referred`, `uncovered` or `cancelled`."""
    policy: str | None
    """The policy the line binds under (`pol_...`); null when there is none."""
    program: str | None
    """The carrier program that writes the line, such as `multistate-wc`."""
    state: str
    """The work state the line is rated in."""
    class_code: str | None
    """The class code of the trade in the work state."""
    class_description: str | None
    """What the class code covers."""
    rate_per_100: Decimal | None
    """Premium dollars per $100 of pay, as a decimal string (`"4.27"`)."""
    premium_cents: int
    """The premium this line books for the job, in cents (0 until bound)."""
    premium: PremiumBreakdown | None
    """The rating worksheet: every step from pay to premium."""
    endorsements: list[EndorsementOut]
    """Endorsements on the line with their charges."""
    additional_insureds: list[AdditionalInsuredOut] = Field(
        description="GL: the customer-of-record when required; WC never carries one."
    )
    waiver: dict[str, Any] | None = Field(
        default=None,
        description="The waiver of subrogation: the program's terms (scope per_job or "
        "per_customer_per_term, premium base, pct, minimum), this job's covered premium, and "
        "the endorsement's charge with this job: max(pct x covered premium, minimum).",
    )
    new_class: bool = Field(
        default=False,
        description="The trade was not on the policy for this line: underwritten on this "
        "dispatch; it joins the policy's classes when the line binds.",
    )
    reasons: list[Reason]
    """Why the line is not bound, or notes on how it was (each with its guideline)."""

    @classmethod
    def of(cls, coverage: LineCoverage) -> CoverageOut:
        return cls.model_validate(coverage.model_dump(mode="json"))


class AssignmentOut(ResponseModel):
    id: str
    object: Literal["assignment"] = "assignment"
    external_id: str
    """Your ID for the dispatch."""
    status: AssignmentStatus
    """`quoted`, `bound` (every line), `partial` (some), `uncovered` (none), `referred`, `active`
    (started), `completed`, `cancelled` or `unreported` (the window ended without `complete`)."""
    contractor: str
    """The tech (`ctr_...`)."""
    customer: str | None
    """The customer-of-record (`cus_...`), if any."""
    trade: str
    """The trade of the job."""
    description: str | None
    """What the job is."""
    work_address: AddressIn
    """Where the work is done."""
    window: WindowOut
    """When the job is scheduled."""
    pay: PayOut
    """The tech's labour pay for the job."""
    requirements: Requirements
    """The requirements in force for this job (the customer's, overridden by the job's)."""
    coverage: dict[str, CoverageOut]
    """Each requested line (`wc`, `gl`): bound or why not, with its rating."""
    premium_cents: int
    """The job's premium across lines, in cents: the sum of its ledger entries."""
    referral: ReferralPointer | None
    """The referral a referred line opened (`{"id", "status"}`), if any."""
    certificate: CertificateRef | None = Field(
        default=None,
        description="The certificate issued when it bound (null until then); `url` links the "
        "PDF for at most 15 minutes.",
    )
    started_at: datetime | None
    """When the tech arrived on site; null before start."""
    completed_at: datetime | None
    """When the job was completed."""
    cancelled_at: datetime | None
    """When the job was cancelled."""
    cancel_reason: str | None
    """Why it was cancelled: `client_request`, `contractor_request`, or
    `policy_cancelled:<reason>`."""
    actual_pay_cents: int | None
    """The actual pay reported at completion, in cents."""
    created_at: datetime

    @classmethod
    def of(cls, assignment: Assignment, certificate: dict[str, Any] | None = None) -> AssignmentOut:
        return cls(
            id=assignment.id,
            external_id=assignment.external_id,
            status=assignment.status,
            contractor=assignment.contractor,
            customer=assignment.customer,
            trade=assignment.trade,
            description=assignment.description,
            work_address=AddressIn.model_validate(assignment.work_address.model_dump()),
            window=WindowOut(start=assignment.window.start, end=assignment.window.end),
            pay=PayOut.model_validate(assignment.pay.model_dump()),
            requirements=Requirements.model_validate(assignment.requirements.model_dump()),
            coverage={line: CoverageOut.of(c) for line, c in assignment.coverage.items()},
            premium_cents=assignment.premium_cents,
            referral=referral_pointer(assignment.referral, assignment.referral_decision),
            certificate=CertificateRef.model_validate(certificate) if certificate else None,
            started_at=assignment.started_at,
            completed_at=assignment.completed_at,
            cancelled_at=assignment.cancelled_at,
            cancel_reason=assignment.cancel_reason,
            actual_pay_cents=assignment.actual_pay_cents,
            created_at=assignment.created_at,
        )


class AssignmentQuery(DateRangeQuery):
    """`from`/`to` and `state` read by window start (newest first): the day the job starts."""

    contractor: ObjectId | None = None
    """Only this contractor's assignments (`ctr_...`)."""
    state: StateCode | None = Field(
        default=None, description="Only assignments whose work address is in this state."
    )

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str | None) -> str | None:
        return check_state(value) if value is not None else None

    status: (
        Literal[
            "quoted",
            "bound",
            "partial",
            "uncovered",
            "referred",
            "active",
            "completed",
            "cancelled",
        ]
        | None
    ) = None
    """Only assignments with this status."""
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class LedgerQuery(DateRangeQuery):
    """`from`/`to`: entries booked on those UTC dates; `total_cents` sums the same range."""

    assignment: ObjectId | None = None
    """Only this assignment's entries (`asg_...`)."""
    policy: ObjectId | None = None
    """Only this policy's entries (`pol_...`)."""
    contractor: ObjectId | None = None
    """Only this contractor's entries (`ctr_...`). At most one of the three filters."""
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None

    @model_validator(mode="after")
    def _one_filter(self) -> LedgerQuery:
        if sum(v is not None for v in (self.assignment, self.policy, self.contractor)) > 1:
            raise ValueError("filter by at most one of assignment, policy, contractor")
        return self


class LedgerEntryOut(ResponseModel):
    id: str
    object: Literal["ledger_entry"] = "ledger_entry"
    type: str
    """What the entry books."""
    amount_cents: int
    """The amount in cents: positive charged, negative returned."""
    assignment: str | None
    """The assignment it belongs to (`asg_...`), if any."""
    policy: str | None
    """The policy it belongs to (`pol_...`), if any."""
    contractor: str
    """The contractor it belongs to (`ctr_...`)."""
    line: Literal["wc", "gl"] | None
    """The line (`wc` or `gl`), when the entry is one line's."""
    at: datetime
    """When it was booked (RFC 3339)."""
    memo: str
    """What the entry is for, in words."""

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryOut:
        return cls.model_validate(entry.model_dump(exclude={"platform"}))


class LedgerPage(ResponseModel):
    data: list[LedgerEntryOut]
    has_more: bool
    total_cents: int
    """The sum of every entry matching the filter, not only this page's."""
