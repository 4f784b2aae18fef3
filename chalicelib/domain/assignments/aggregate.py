"""The assignment aggregate: one method per transition, each returning a `Change`.

A transition checks what it allows, builds the new state with typed copies, and returns the
ledger entries and events that must be committed with it (a waiver covering many jobs books on
its own account: domain/waivers.py, recorded by the service in the same commit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.assignments import term as _term
from chalicelib.domain.assignments.booking import Books, booked_cents
from chalicelib.domain.assignments.coverage import AssignmentInput
from chalicelib.domain.assignments.lines import (
    NOT_STARTED,
    AssignmentStatus,
    LineCoverage,
    Pay,
    Window,
    line_waiver,
)
from chalicelib.domain.assignments.rules import (
    assignment_status,
    check_complete,
    check_start,
    require_not_started,
    rerate,
)
from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import Address, Requirements
from chalicelib.domain.quotes import Referral, line_summaries, referral_reasons
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import Program

Decision = Literal["approved", "declined"]
ProgramLookup = Callable[[str], Program]

# The event each status announces when a bind or a decision lands on it (API.md "Events");
# a `quoted` job announces nothing.
STATUS_EVENTS: Mapping[str, str] = {
    "bound": "assignment.bound",
    "partial": "assignment.bound",
    "uncovered": "assignment.uncovered",
    "referred": "assignment.referred",
}


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
    referral_decision: Decision | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    actual_pay_cents: int | None = None
    actual_hours: Decimal | None = None
    # The term jobs: when its window ended unreported, and when an audit of it was requested.
    unreported_at: datetime | None = None
    audit_requested_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    # -- helpers ------------------------------------------------------------------------------
    def books(self, stamp: Stamp) -> Books:
        return Books(self.platform, self.contractor, self.id, stamp)

    def event(self, kind: str) -> DomainEvent:
        return DomainEvent(kind, self.platform, "assignment", self.id, self.model_dump(mode="json"))

    def _next(self, stamp: Stamp, **changes: object) -> Assignment:
        """A copy with `changes`, stamped and one version on (the aggregate's only copy path)."""
        return self.model_copy(
            update={**changes, "updated_at": stamp.now, "version": self.version + 1}
        )

    def _replacing(
        self,
        updated: Assignment,
        entries: list[LedgerEntry],
        events: list[DomainEvent],
        related: tuple[Change[Referral], ...] = (),
    ) -> Change[Assignment]:
        """The change to `updated`, with its entries, events and related changes."""
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(entries),
            events=tuple(events),
            related=related,
        )

    def _with_referral(self, stamp: Stamp) -> tuple[Assignment, tuple[Change[Referral], ...]]:
        """A bound dispatch with a referred line opens a referral (once) for an underwriter."""
        referred = {n: c for n, c in self.coverage.items() if c.status == "referred"}
        if not referred or not self.bind or self.referral is not None:
            return self, ()
        referral = Referral(
            id=stamp.new_id("ref"),
            platform=self.platform,
            assignment=self.id,
            contractor=self.contractor,
            status="open",
            reasons=referral_reasons(referred),
            subject={
                "type": "assignment",
                "trade": self.trade,
                "work_state": self.work_address.state,
                "window": self.window.model_dump(mode="json"),
                "pay_cents": self.pay.job_pay_cents(),
                "lines": line_summaries(self.coverage),
            },
            created_at=stamp.now,
        )
        opened = self.model_copy(update={"referral": referral.id})
        return opened, (Change(referral, expected_version=None),)

    # -- transitions --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        assignment_id: str,
        platform: str,
        request: AssignmentInput,
        requirements: Requirements,
        coverage: dict[str, LineCoverage],
        stamp: Stamp,
    ) -> Change[Assignment]:
        """A new dispatch: every bound line's premium and per-job waiver charge booked."""
        books = Books(platform, request.contractor, assignment_id, stamp)
        entries = [e for line, c in coverage.items() for e in books.newly_bound(line, c)]
        assignment = cls(
            id=assignment_id,
            platform=platform,
            external_id=request.external_id,
            contractor=request.contractor,
            customer=request.customer,
            trade=request.trade,
            description=request.description,
            work_address=request.work_address,
            window=request.window,
            pay=request.pay,
            lines=list(request.lines),
            requirements=requirements,
            bind=request.bind,
            status=assignment_status([c.status for c in coverage.values()], request.bind),
            coverage=coverage,
            premium_cents=sum(entry.amount_cents for entry in entries),
            created_at=stamp.now,
            updated_at=stamp.now,
        )
        assignment, related = assignment._with_referral(stamp)
        event = STATUS_EVENTS.get(assignment.status)
        return Change(
            assignment,
            expected_version=None,
            entries=tuple(entries),
            events=(assignment.event(event),) if event else (),
            related=related,
        )

    def reprice(
        self,
        request: AssignmentInput,
        requirements: Requirements,
        coverage: dict[str, LineCoverage],
        stamp: Stamp,
    ) -> Change[Assignment]:
        """Before start: new window, pay, customer, description or bind; re-rated coverage, the
        difference booked per line (a line bound only now books in full)."""
        require_not_started(self, "changed")
        books = self.books(stamp)
        entries: list[LedgerEntry] = []
        for line, covered in coverage.items():
            before = self.coverage[line]
            if before.status != "bound":
                entries += books.newly_bound(line, covered)
                continue
            entries += books.adjusted(
                line, before, covered, "assignment changed before start: re-rated"
            )
        updated = self._next(
            stamp,
            customer=request.customer,
            bind=request.bind,
            description=request.description,
            window=request.window,
            pay=request.pay,
            requirements=requirements,
            coverage=coverage,
            status=assignment_status([c.status for c in coverage.values()], request.bind),
            premium_cents=self.premium_cents + sum(e.amount_cents for e in entries),
        )
        updated, related = updated._with_referral(stamp)
        first_bind = self.status == "quoted" and updated.status != "quoted"
        event = STATUS_EVENTS.get(updated.status) if first_bind else "assignment.updated"
        return self._replacing(updated, entries, [updated.event(event)] if event else [], related)

    def start(self, at: datetime | None, stamp: Stamp) -> Change[Assignment]:
        """The tech is on site: coverage is in force from `at` (default now)."""
        started = at or stamp.now
        check_start(self, started)
        updated = self._next(stamp, status="active", started_at=started)
        return self._replacing(updated, [], [updated.event("assignment.started")])

    def complete(
        self,
        actual_pay_cents: int,
        actual_hours: Decimal | None,
        completed_at: datetime | None,
        programs: ProgramLookup,
        stamp: Stamp,
    ) -> Change[Assignment]:
        """Premium recomputed on actual pay with the same rates; the difference is booked."""
        finished = completed_at or stamp.now
        check_complete(self, finished)
        books = self.books(stamp)
        coverage = dict(self.coverage)
        entries: list[LedgerEntry] = []
        for line, covered in self.coverage.items():
            if covered.status != "bound" or covered.premium is None or covered.program is None:
                continue
            program = programs(covered.program)
            actual = rerate(program, covered, actual_pay_cents)
            recomputed = covered.model_copy(
                update={
                    "premium": actual,
                    "premium_cents": booked_cents(actual, covered.per_dispatch),
                    "waiver": line_waiver(program, actual),
                }
            )
            if recomputed.premium_cents == covered.premium_cents:
                coverage[line] = recomputed
                continue
            entries += books.adjusted(
                line,
                covered,
                recomputed,
                f"actual pay ${actual_pay_cents / 100:,.2f} "
                f"(estimated ${covered.premium.basis_cents / 100:,.2f})",
            )
            coverage[line] = recomputed
        updated = self._next(
            stamp,
            status="completed",
            completed_at=finished,
            actual_pay_cents=actual_pay_cents,
            actual_hours=actual_hours,
            coverage=coverage,
            premium_cents=self.premium_cents + sum(e.amount_cents for e in entries),
        )
        return self._replacing(updated, entries, [updated.event("assignment.completed")])

    def cancel(self, reason: str, stamp: Stamp) -> Change[Assignment]:
        """Before start only: every line's premium and per-job waiver refunded in full."""
        require_not_started(self, "cancelled")
        books = self.books(stamp)
        entries = [
            books.entry(
                line,
                covered,
                "refund",
                -covered.premium_cents,
                f"assignment cancelled before start ({reason})",
            )
            for line, covered in self.coverage.items()
            if covered.premium_cents
        ]
        coverage = {
            line: covered.model_copy(update={"premium_cents": 0, "status": "cancelled"})
            for line, covered in self.coverage.items()
        }
        updated = self._next(
            stamp,
            status="cancelled",
            cancelled_at=stamp.now,
            cancel_reason=reason,
            coverage=coverage,
            premium_cents=0,
        )
        return self._replacing(updated, entries, [updated.event("assignment.cancelled")])

    # -- the policy term (term.py) ------------------------------------------------------------
    def cancel_for_policy(self, policy_id: str, reason: str, stamp: Stamp) -> Change[Assignment]:
        """Its policy is cancelled from before the job starts: the lines under that policy are
        cancelled and refunded (`assignment.cancelled`, or `.updated` when others remain)."""
        return _term.cancel_for_policy(self, policy_id, reason, stamp)

    def mark_unreported(self, stamp: Stamp) -> Change[Assignment]:
        """The window ended while bound or active without `complete`: `unreported`."""
        return _term.mark_unreported(self, stamp)

    def request_audit(self, stamp: Stamp) -> Change[Assignment]:
        """An unreported job's actual pay is asked for (`audit.requested`)."""
        return _term.request_audit(self, stamp)

    def decide_referral(
        self, decision: Decision, programs: ProgramLookup, stamp: Stamp
    ) -> Change[Assignment]:
        """The underwriter decided: the referred lines bind (premium booked on actual pay once
        the job is complete) or stay uncovered. Other lines, and a cancelled job, are
        untouched."""
        if self.status == "cancelled":
            return self._replacing(self._next(stamp, referral_decision=decision), [], [])
        pay = self.actual_pay_cents
        if pay is None:
            pay = self.pay.job_pay_cents()
        books = self.books(stamp)
        coverage = dict(self.coverage)
        entries: list[LedgerEntry] = []
        for line, covered in self.coverage.items():
            if covered.status != "referred":
                continue
            if decision == "declined" or covered.premium is None or covered.program is None:
                declined = Reason(
                    code="referral_declined", message="The underwriter declined the referral."
                )
                coverage[line] = covered.model_copy(
                    update={"status": "uncovered", "reasons": [*covered.reasons, declined]}
                )
                continue
            program = programs(covered.program)
            breakdown = rerate(program, covered, pay)
            approved = Reason(code="referral_approved", message="An underwriter approved it.")
            waiver = line_waiver(program, breakdown)
            if covered.waiver is not None and waiver is not None and waiver.scope != "per_job":
                waiver = waiver.model_copy(update={"charge_cents": covered.waiver.charge_cents})
            bound = covered.model_copy(
                update={
                    "status": "bound",
                    "premium": breakdown,
                    "premium_cents": booked_cents(breakdown, covered.per_dispatch),
                    "reasons": [*covered.reasons, approved],
                    "waiver": waiver,
                }
            )
            coverage[line] = bound
            entries += books.newly_bound(line, bound)
        status: AssignmentStatus = self.status
        if status in NOT_STARTED:
            status = assignment_status([c.status for c in coverage.values()], self.bind)
        updated = self._next(
            stamp,
            coverage=coverage,
            status=status,
            referral_decision=decision,
            premium_cents=self.premium_cents + sum(e.amount_cents for e in entries),
        )
        event = STATUS_EVENTS.get(status) if status != self.status else None
        return self._replacing(updated, entries, [updated.event(event)] if event else [])
