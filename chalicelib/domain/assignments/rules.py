"""Assignment rules: status from line statuses, what each transition allows, re-rating."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.assignments.lines import (
    NOT_STARTED,
    START_CLOCK_SKEW,
    AssignmentStatus,
    LineCoverage,
    LineStatus,
)
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.rating import PremiumBreakdown, rerate_breakdown
from chalicelib.domain.reference import Program

if TYPE_CHECKING:
    from chalicelib.domain.assignments.aggregate import Assignment


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
    """Only an active (or unreported) assignment completes, and not before it started."""
    if assignment.status not in {"active", "unreported"}:
        raise Conflict(
            f"Assignment {assignment.id} is {assignment.status}; only an active or unreported "
            "one completes.",
            code="invalid_transition",
        )
    if assignment.started_at and completed_at < assignment.started_at:
        raise ValidationFailed(
            f"completed_at is before the start ({assignment.started_at.isoformat()}).",
            details=[{"loc": ["body", "completed_at"], "msg": "before started_at"}],
        )


def rerate(program: Program, line: LineCoverage, pay_cents: int) -> PremiumBreakdown:
    """The line's premium on other pay with the same rate, mod, EL factor and endorsements."""
    assert line.premium is not None
    return rerate_breakdown(program, line.premium, pay_cents)
