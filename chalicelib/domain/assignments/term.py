"""An assignment's policy-term transitions: cancelled with its policy, unreported when its window
ended without `complete`, an audit of its actual pay requested. `Assignment`'s methods of the
same names call these (the term jobs and the policy cancellation drive them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.assignments.rules import assignment_status, require_not_started
from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.errors import Conflict

if TYPE_CHECKING:
    from chalicelib.domain.assignments.aggregate import Assignment


def cancel_for_policy(
    assignment: Assignment, policy_id: str, reason: str, stamp: Stamp
) -> Change[Assignment]:
    """Its policy is cancelled from before the job starts: the lines that policy covers are
    cancelled and refunded (every line: the assignment is `cancelled`; some: it stays with
    the lines other policies cover, `assignment.updated`). The service moves the waiver
    accounts."""
    require_not_started(assignment, "cancelled")
    covered = {
        line
        for line, c in assignment.coverage.items()
        if c.policy == policy_id and c.status == "bound"
    }
    if not covered:
        raise Conflict(
            f"Assignment {assignment.id} has no line bound under policy {policy_id}.",
            code="invalid_transition",
        )
    memo = f"policy {policy_id} cancelled before the job starts ({reason})"
    books = assignment.books(stamp)
    entries = [
        books.entry(
            line,
            assignment.coverage[line],
            "refund",
            -assignment.coverage[line].premium_cents,
            memo,
        )
        for line in sorted(covered)
        if assignment.coverage[line].premium_cents
    ]
    coverage = {
        line: c.model_copy(update={"premium_cents": 0, "status": "cancelled"})
        if line in covered
        else c
        for line, c in assignment.coverage.items()
    }
    refunded = sum(entry.amount_cents for entry in entries)
    if not any(c.status == "bound" for c in coverage.values()):
        updated = assignment._next(
            stamp,
            status="cancelled",
            cancelled_at=stamp.now,
            cancel_reason=f"policy_cancelled:{reason}",
            coverage=coverage,
            premium_cents=assignment.premium_cents + refunded,
        )
        return assignment._replacing(updated, entries, [updated.event("assignment.cancelled")])
    updated = assignment._next(
        stamp,
        coverage=coverage,
        status=assignment_status([c.status for c in coverage.values()], assignment.bind),
        premium_cents=assignment.premium_cents + refunded,
    )
    return assignment._replacing(updated, entries, [updated.event("assignment.updated")])


def mark_unreported(assignment: Assignment, stamp: Stamp) -> Change[Assignment]:
    """The window ended while bound or active without `complete`: `unreported` (`complete`
    with actuals is still accepted)."""
    if assignment.status not in {"bound", "partial", "active"} or assignment.window.end > stamp.now:
        raise Conflict(
            f"Assignment {assignment.id} is {assignment.status}, window ending "
            f"{assignment.window.end}: not an open window that ended.",
            code="invalid_transition",
        )
    updated = assignment._next(stamp, status="unreported", unreported_at=stamp.now)
    return assignment._replacing(updated, [], [updated.event("assignment.unreported")])


def request_audit(assignment: Assignment, stamp: Stamp) -> Change[Assignment]:
    """An unreported job's actual pay is asked for (`audit.requested`, carrying it)."""
    if assignment.status != "unreported" or assignment.audit_requested_at is not None:
        raise Conflict(
            f"Assignment {assignment.id} is {assignment.status}: no audit request to make.",
            code="invalid_transition",
        )
    updated = assignment._next(stamp, audit_requested_at=stamp.now)
    return assignment._replacing(updated, [], [updated.event("audit.requested")])
