"""Shapes for assignments and the premium ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from chalicelib.api.schemas.common import (
    AddressIn,
    Cents,
    Cursor,
    DecimalRange,
    Description,
    ExternalId,
    Instant,
    JsonNumber,
    ObjectId,
    QueryModel,
    ReferralPointer,
    RequestModel,
    ResponseModel,
    referral_pointer,
)
from chalicelib.api.schemas.parties import Requirements, RequirementsPatch

if TYPE_CHECKING:
    from chalicelib.domain.assignments import Assignment, LineCoverage
    from chalicelib.domain.ledger import LedgerEntry

# API.md: `estimated_hours` 0.25-744 (a month of hours), and the same for actual hours.
Hours = Annotated[Decimal, DecimalRange("0.25", "744", places=2)]


class WindowIn(RequestModel):
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> WindowIn:
        if self.end <= self.start:
            raise ValueError("window.end must be after window.start")
        return self


class PayIn(RequestModel):
    amount_cents: Cents
    basis: Literal["flat", "hourly"]
    estimated_hours: Hours | None = None

    @model_validator(mode="after")
    def _hours_for_hourly(self) -> PayIn:
        if self.basis == "hourly" and self.estimated_hours is None:
            raise ValueError("estimated_hours is required when basis is hourly")
        return self


class PayOut(ResponseModel):
    amount_cents: int
    basis: str
    estimated_hours: JsonNumber | None = None


class AssignmentCreate(RequestModel):
    external_id: ExternalId
    contractor: ObjectId
    customer: ObjectId | None = None
    trade: Annotated[str, Field(min_length=1, max_length=80)]
    description: Description | None = None
    work_address: AddressIn
    window: WindowIn
    pay: PayIn
    lines: list[Literal["wc", "gl"]] = Field(min_length=1, max_length=2)
    requirements: RequirementsPatch | None = None
    bind: bool = True

    @model_validator(mode="after")
    def _distinct_lines(self) -> AssignmentCreate:
        if len(set(self.lines)) != len(self.lines):
            raise ValueError("each line at most once")
        return self


class AssignmentPatch(RequestModel):
    window: WindowIn | None = None
    pay: PayIn | None = None
    customer: ObjectId | None = None
    description: Description | None = None

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


class CompleteIn(RequestModel):
    actual_pay_cents: Cents
    actual_hours: Hours | None = None
    completed_at: Instant | None = None


class CancelIn(RequestModel):
    reason: Literal["client_request", "contractor_request"]


class CoverageOut(ResponseModel):
    status: str
    policy: str | None
    program: str | None
    state: str
    class_code: str | None
    class_description: str | None
    rate_per_100: Decimal | None
    premium_cents: int
    premium: dict[str, Any] | None
    endorsements: list[dict[str, Any]]
    additional_insureds: list[dict[str, Any]] = Field(
        description="GL: the customer-of-record when required; WC never carries one."
    )
    reasons: list[dict[str, Any]]

    @classmethod
    def of(cls, coverage: LineCoverage) -> CoverageOut:
        return cls.model_validate(
            coverage.model_dump(mode="json", exclude={"waiver_minimum_booked"})
        )


class AssignmentOut(ResponseModel):
    id: str
    object: Literal["assignment"] = "assignment"
    external_id: str
    status: str
    contractor: str
    customer: str | None
    trade: str
    description: str | None
    work_address: AddressIn
    window: dict[str, datetime]
    pay: PayOut
    requirements: Requirements
    coverage: dict[str, CoverageOut]
    premium_cents: int
    referral: ReferralPointer | None
    certificate: dict[str, Any] | None = None
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    actual_pay_cents: int | None
    created_at: datetime

    @classmethod
    def of(cls, assignment: Assignment) -> AssignmentOut:
        return cls(
            id=assignment.id,
            external_id=assignment.external_id,
            status=assignment.status,
            contractor=assignment.contractor,
            customer=assignment.customer,
            trade=assignment.trade,
            description=assignment.description,
            work_address=AddressIn.model_validate(assignment.work_address.model_dump()),
            window={"start": assignment.window.start, "end": assignment.window.end},
            pay=PayOut.model_validate(assignment.pay.model_dump()),
            requirements=Requirements.model_validate(assignment.requirements.model_dump()),
            coverage={line: CoverageOut.of(c) for line, c in assignment.coverage.items()},
            premium_cents=assignment.premium_cents,
            referral=referral_pointer(assignment.referral, assignment.referral_decision),
            started_at=assignment.started_at,
            completed_at=assignment.completed_at,
            cancelled_at=assignment.cancelled_at,
            cancel_reason=assignment.cancel_reason,
            actual_pay_cents=assignment.actual_pay_cents,
            created_at=assignment.created_at,
        )


class AssignmentQuery(QueryModel):
    contractor: ObjectId | None = None
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
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class LedgerQuery(QueryModel):
    assignment: ObjectId | None = None
    policy: ObjectId | None = None
    contractor: ObjectId | None = None
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
    amount_cents: int
    assignment: str | None
    policy: str | None
    contractor: str
    line: str | None
    at: datetime
    memo: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryOut:
        return cls.model_validate(entry.model_dump(exclude={"platform"}))


class LedgerPage(ResponseModel):
    data: list[LedgerEntryOut]
    has_more: bool
    total_cents: int
