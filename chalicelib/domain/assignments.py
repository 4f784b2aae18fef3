"""Assignments: coverage per dispatch, bound under the contractor's standing policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.parties import Address, Requirements
from chalicelib.domain.rating import PremiumBreakdown, rate_gl, rate_wc
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import Program

AssignmentStatus = Literal[
    "quoted", "bound", "partial", "uncovered", "referred", "active", "completed", "cancelled"
]
LineStatus = Literal["bound", "quoted", "referred", "uncovered", "cancelled"]
NOT_STARTED = frozenset({"quoted", "bound", "partial", "uncovered", "referred"})
# Tolerance for a platform's clock running a little behind ours when it reports `at`.
START_CLOCK_SKEW = timedelta(minutes=5)


class Window(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    start: datetime
    end: datetime


class Pay(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    amount_cents: int
    basis: Literal["flat", "hourly"]
    estimated_hours: Decimal | None = None

    def job_pay_cents(self) -> int:
        """flat: the amount; hourly: round_half_up(rate x estimated hours)."""
        if self.basis == "flat":
            return self.amount_cents
        assert self.estimated_hours is not None
        return int(
            (Decimal(self.amount_cents) * self.estimated_hours).to_integral_value(ROUND_HALF_UP)
        )

    def hourly_wage_cents(self) -> int | None:
        """The tech's hourly pay for wage-split classes; flat pay without hours: unknown."""
        if self.basis == "hourly":
            return self.amount_cents
        if self.estimated_hours:
            return int(
                (Decimal(self.amount_cents) / self.estimated_hours).to_integral_value(ROUND_HALF_UP)
            )
        return None


class AdditionalInsured(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    customer: str
    name: str
    address: Address
    forms: list[str]
    primary_noncontributory: bool


class LineCoverage(BaseModel):
    """One line of one assignment: bound or why not, rated by the work state's class."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: LineStatus
    policy: str | None = None
    program: str | None = None
    state: str
    class_code: str | None = None
    class_description: str | None = None
    rate_per_100: Decimal | None = None
    premium_cents: int = 0
    premium: PremiumBreakdown | None = None
    endorsements: list[dict[str, Any]] = []
    additional_insureds: list[AdditionalInsured] = []
    waiver_minimum_booked: bool = False
    # Annual (guaranteed-cost) programs: the job is exposure under the estimated annual premium,
    # trued up by the final audit; only per-dispatch programs earn premium per assignment.
    per_dispatch: bool = True
    reasons: list[Reason] = []


class Assignment(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    external_id: str
    contractor: str
    customer: str | None = None
    trade: str
    description: str | None = None
    work_address: Address
    window: Window
    pay: Pay
    lines: list[str]
    requirements: Requirements
    bind: bool
    status: AssignmentStatus
    coverage: dict[str, LineCoverage]
    premium_cents: int
    referral: str | None = None
    # The underwriter's decision on `referral`, carried into every later re-rate.
    referral_decision: Literal["approved", "declined"] | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    actual_pay_cents: int | None = None
    actual_hours: Decimal | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True)
class WaiverClaim:
    """An assignment books the program's waiver minimum for (customer, line) in a policy term."""

    platform: str
    contractor: str
    customer: str
    line: str
    policy: str


def waiver_claims(assignment: Assignment) -> list[WaiverClaim]:
    """The waiver minimums this assignment holds: one per (customer, line, policy term)."""
    if assignment.customer is None:
        return []
    return [
        WaiverClaim(
            assignment.platform, assignment.contractor, assignment.customer, line, covered.policy
        )
        for line, covered in assignment.coverage.items()
        if covered.waiver_minimum_booked and covered.policy and covered.status == "bound"
    ]


def duplicate_external_id(external_id: str, existing: str | None) -> Conflict:
    """409: `external_id` is unique per platform; details point at the existing assignment."""
    return Conflict(
        f"An assignment with external_id {external_id!r} already exists: {existing}.",
        code="duplicate_external_id",
        details=[
            {
                "loc": ["body", "external_id"],
                "msg": "already used on this platform",
                "id": existing,
                "assignment": existing,
            }
        ],
    )


def assignment_status(statuses: list[LineStatus], bind: bool) -> AssignmentStatus:
    """bound: every line; partial: some; referred: none bound, some referred; else uncovered."""
    if not bind:
        return "quoted"
    bound = [status == "bound" for status in statuses]
    if all(bound):
        return "bound"
    if any(bound):
        return "partial"
    if "referred" in statuses:
        return "referred"
    return "uncovered"


def require_not_started(assignment: Assignment, action: str) -> None:
    """Cancel and change are only allowed before the tech starts."""
    if assignment.status not in NOT_STARTED:
        raise Conflict(
            f"Assignment {assignment.id} is {assignment.status}: only an assignment that has not "
            f"started can be {action}.",
            code="invalid_transition",
        )


def check_start(assignment: Assignment, at: datetime) -> None:
    """Start: before or inside the window (never after it closes), from a not-started status."""
    require_not_started(assignment, "started")
    if not any(line.status == "bound" for line in assignment.coverage.values()):
        raise Conflict(
            f"Assignment {assignment.id} is {assignment.status}: no line is bound, so nothing "
            "would be in force. Bind coverage first (opt in, then dispatch again).",
            code="nothing_bound",
        )
    if at < assignment.created_at - START_CLOCK_SKEW:
        raise ValidationFailed(
            f"`at` is before the assignment was bound ({assignment.created_at.isoformat()}): "
            "coverage cannot start before the bind; a backdated job needs an underwriter.",
            details=[{"loc": ["body", "at"], "msg": "before the bind"}],
        )
    if at > assignment.window.end:
        raise Conflict(
            f"The window closed at {assignment.window.end.isoformat()}; it cannot start after.",
            code="window_closed",
        )


def check_complete(assignment: Assignment, completed_at: datetime) -> None:
    """Only an active assignment completes, and not before it started."""
    if assignment.status != "active":
        raise Conflict(
            f"Assignment {assignment.id} is {assignment.status}; only an active one completes.",
            code="invalid_transition",
        )
    if assignment.started_at and completed_at < assignment.started_at:
        raise ValidationFailed(
            f"completed_at is before the start ({assignment.started_at.isoformat()}).",
            details=[{"loc": ["body", "completed_at"], "msg": "before started_at"}],
        )


def rerate(program: Program, line: LineCoverage, pay_cents: int) -> PremiumBreakdown:
    """The line's premium on other pay with the same rate, mod, EL limits and endorsements."""
    assert line.premium is not None
    assert line.rate_per_100 is not None
    terms = [
        found
        for item in line.premium.endorsements
        if (found := program.endorsement(item.code)) is not None
    ]
    booked = frozenset(term.code for term in terms)  # the minimum is never booked twice
    if line.premium.line == "wc":
        return rate_wc(
            program,
            pay_cents,
            line.rate_per_100,
            el_limits=line.premium.el_limits or "100/500/100",
            experience_mod=line.premium.experience_mod or Decimal("1.00"),
            endorsements=terms,
            minimums_booked=booked,
        )
    return rate_gl(
        program, pay_cents, line.rate_per_100, endorsements=terms, minimums_booked=booked
    )
