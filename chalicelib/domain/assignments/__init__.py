"""Assignments: coverage per dispatch, bound under the contractor's standing policy."""

from __future__ import annotations

from chalicelib.domain.assignments.aggregate import STATUS_EVENTS, Assignment, Decision
from chalicelib.domain.assignments.coverage import AssignmentInput, BindContext, CoverageEvaluator
from chalicelib.domain.assignments.lines import (
    NOT_STARTED,
    START_CLOCK_SKEW,
    AdditionalInsured,
    AssignmentStatus,
    LineCoverage,
    LineStatus,
    Pay,
    Window,
)
from chalicelib.domain.assignments.rules import (
    assignment_status,
    check_complete,
    check_start,
    duplicate_external_id,
    require_not_started,
    rerate,
)
from chalicelib.domain.change import WaiverClaim

__all__ = [
    "NOT_STARTED",
    "START_CLOCK_SKEW",
    "STATUS_EVENTS",
    "AdditionalInsured",
    "Assignment",
    "AssignmentInput",
    "AssignmentStatus",
    "BindContext",
    "CoverageEvaluator",
    "Decision",
    "LineCoverage",
    "LineStatus",
    "Pay",
    "WaiverClaim",
    "Window",
    "assignment_status",
    "check_complete",
    "check_start",
    "duplicate_external_id",
    "require_not_started",
    "rerate",
]
