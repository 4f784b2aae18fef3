"""Coverage per dispatch: bind each line under the contractor's policy, rated for the work state."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.assignments import (
    NOT_STARTED,
    Assignment,
    AssignmentStatus,
    LineCoverage,
    Pay,
    WaiverClaim,
    Window,
    assignment_status,
    check_complete,
    check_start,
    duplicate_external_id,
    require_not_started,
    rerate,
    waiver_claims,
)
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed, WriteConflict
from chalicelib.domain.ledger import EntryType, LedgerEntry
from chalicelib.domain.parties import Page, Requirements
from chalicelib.domain.quotes import Referral, line_summaries, referral_reasons
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.underwriting import Rulebook
from chalicelib.ports import AssignmentRepository, BindContext, Clock, IdGenerator
from chalicelib.services.coverage import AssignmentInput, CoverageEvaluator
from chalicelib.services.lookup import fetch

BIND_ATTEMPTS = 5
# Between attempts, the doubled step with equal jitter: 12-25, 25-50, 50-100, 100-200 ms. A
# conflicting transaction still in flight is invisible to the re-read; retrying at once would only
# meet it again (WriteConflict) until the attempts ran out.
BIND_BACKOFF_SECONDS = 0.025


@dataclass(frozen=True)
class AssignmentChanges:
    """A PATCH: only the fields given change."""

    window: Window | None = None
    pay: Pay | None = None
    customer: str | None = None
    description: str | None = None
    bind: bool | None = None


@dataclass(frozen=True)
class AssignmentServices:
    assignments: AssignmentRepository
    reference: Callable[[], ReferenceData]
    rulebook: Callable[[str], Rulebook]
    trade_profile: Callable[[str], Any]
    ids: IdGenerator
    clock: Clock

    @property
    def coverage(self) -> CoverageEvaluator:
        return CoverageEvaluator(self.reference, self.rulebook, self.trade_profile)

    # -- create and bind ----------------------------------------------------------------------
    def create(self, platform_id: str, request: AssignmentInput) -> Assignment:
        """Rate and bind every line; retried, backing off, when a concurrent bind took the waiver
        or the external id first, or was still in flight on one of them."""
        self.reference().trade(request.trade)
        if request.window.end <= request.window.start:
            raise ValidationFailed(
                "window.end must be after window.start.",
                details=[{"loc": ["body", "window", "end"], "msg": "not after start"}],
            )
        for attempt in range(BIND_ATTEMPTS):
            context = self.assignments.load_bind_context(
                platform_id,
                request.contractor,
                request.customer,
                request.external_id,
                request.lines,
            )
            if context.existing_assignment:
                return self._bind_quoted(platform_id, context.existing_assignment, request)
            if context.contractor is None:
                raise NotFound(f"No contractor {request.contractor}.")
            if request.customer and context.customer is None:
                raise NotFound(f"No customer {request.customer}.")
            assignment, entries, waivers = self._bind(platform_id, request, context)
            assignment, referral = self._open_referral(assignment, now=assignment.created_at)
            try:
                self.assignments.create(assignment, entries, waivers, referral)
                return assignment
            except WriteConflict as conflict:
                if attempt == BIND_ATTEMPTS - 1:
                    raise Conflict(
                        "Concurrent binds for this contractor kept colliding; retry the request "
                        "(with the same Idempotency-Key).",
                        code="concurrent_update",
                    ) from conflict
                time.sleep(_backoff(attempt))
        raise AssertionError("unreachable")

    def _open_referral(
        self, assignment: Assignment, *, now: datetime
    ) -> tuple[Assignment, Referral | None]:
        """A bound dispatch with a referred line opens a referral (once) for an underwriter."""
        referred = {n: c for n, c in assignment.coverage.items() if c.status == "referred"}
        if not referred or not assignment.bind or assignment.referral is not None:
            return assignment, None
        referral = Referral(
            id=self.ids.new("ref"),
            platform=assignment.platform,
            assignment=assignment.id,
            contractor=assignment.contractor,
            status="open",
            reasons=referral_reasons(referred),
            subject={
                "type": "assignment",
                "trade": assignment.trade,
                "work_state": assignment.work_address.state,
                "window": assignment.window.model_dump(mode="json"),
                "pay_cents": assignment.pay.job_pay_cents(),
                "lines": line_summaries(assignment.coverage),
            },
            created_at=now,
        )
        return assignment.model_copy(update={"referral": referral.id}), referral

    def apply_referral_decision(
        self, platform_id: str, assignment_id: str, decision: Literal["approved", "declined"]
    ) -> Assignment:
        """The underwriter decided: the referred lines bind (premium booked, on actual pay once
        the job is complete) or stay uncovered. Other lines, and a cancelled job, are untouched.
        """
        current = self.get(platform_id, assignment_id)
        if current.status == "cancelled":
            updated = current.model_copy(
                update={"referral_decision": decision, "version": current.version + 1}
            )
            self.assignments.save(updated, expected_version=current.version)
            return updated
        now = self.clock.now()
        pay = current.actual_pay_cents
        if pay is None:
            pay = current.pay.job_pay_cents()
        reference = self.reference()
        coverage = dict(current.coverage)
        entries: list[LedgerEntry] = []
        for line, covered in current.coverage.items():
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
            breakdown = rerate(reference.program(covered.program), covered, pay)
            bound = covered.model_copy(
                update={
                    "status": "bound",
                    "premium": breakdown,
                    "premium_cents": breakdown.total_cents if covered.per_dispatch else 0,
                    "reasons": [
                        *covered.reasons,
                        Reason(code="referral_approved", message="An underwriter approved it."),
                    ],
                }
            )
            coverage[line] = bound
            entries += self._booking(platform_id, current.contractor, current.id, line, bound, now)
        status: AssignmentStatus = current.status
        if status in NOT_STARTED:
            status = assignment_status([c.status for c in coverage.values()], current.bind)
        updated = current.model_copy(
            update={
                "coverage": coverage,
                "status": status,
                "referral_decision": decision,
                "premium_cents": current.premium_cents + sum(e.amount_cents for e in entries),
                "updated_at": now,
                "version": current.version + 1,
            }
        )
        self.assignments.save(updated, expected_version=current.version, entries=entries)
        return updated

    def _bind_quoted(
        self, platform_id: str, existing_id: str, request: AssignmentInput
    ) -> Assignment:
        """The same job sent again with bind: the `quoted` assignment binds (re-rated now).

        Anything else under a used `external_id` is a duplicate: 409 pointing at the first.
        """
        existing = self.assignments.get(platform_id, existing_id)
        same_job = existing is not None and (
            existing.contractor,
            existing.trade,
            existing.work_address,
            tuple(existing.lines),
        ) == (request.contractor, request.trade, request.work_address, request.lines)
        if existing is None or existing.status != "quoted" or not request.bind or not same_job:
            raise duplicate_external_id(request.external_id, existing_id)
        changes = AssignmentChanges(
            window=request.window,
            pay=request.pay,
            customer=request.customer,
            description=request.description,
            bind=True,
        )
        return self.update(platform_id, existing_id, changes)

    def _requirements(self, request: AssignmentInput, context: BindContext) -> Requirements:
        base = context.customer.requirements.model_dump() if context.customer else {}
        return Requirements.model_validate({**base, **(request.requirements or {})})

    def _bind(
        self, platform_id: str, request: AssignmentInput, context: BindContext
    ) -> tuple[Assignment, list[LedgerEntry], list[WaiverClaim]]:
        now = self.clock.now()
        assignment_id = self.ids.new("asg")
        requirements = self._requirements(request, context)
        coverage = self.coverage.evaluate(request, context, requirements, assignment_id, now)
        entries = [
            entry
            for line, covered in coverage.items()
            for entry in self._booking(
                platform_id, request.contractor, assignment_id, line, covered, now
            )
        ]
        assignment = Assignment(
            id=assignment_id,
            platform=platform_id,
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
            created_at=now,
            updated_at=now,
        )
        return assignment, entries, waiver_claims(assignment)

    def _booking(
        self,
        platform_id: str,
        contractor: str,
        assignment_id: str,
        line: str,
        covered: LineCoverage,
        now: datetime,
    ) -> list[LedgerEntry]:
        """A newly bound line's entries: its premium estimate, and the waiver minimum if booked.

        Annual programs book nothing per job: their premium is the policy's, trued up at audit.
        """
        if covered.status != "bound" or covered.premium is None or not covered.per_dispatch:
            return []
        entries = [
            self._entry(
                platform_id,
                contractor,
                assignment_id,
                covered,
                line,
                "premium_estimate",
                covered.premium.total_cents,
                now,
                f"{line.upper()} {covered.class_code} {covered.state}: "
                f"pay ${covered.premium.basis_cents / 100:,.2f} at {covered.rate_per_100}/100, "
                "EL, mod and endorsements as in the breakdown",
            )
        ]
        entries += [
            self._entry(
                platform_id,
                contractor,
                assignment_id,
                covered,
                line,
                "waiver_charge",
                charge.amount_cents,
                now,
                f"{charge.code}: program minimum, once per customer per term",
            )
            for charge in covered.premium.term_charges
        ]
        return entries

    def _entry(
        self,
        platform_id: str,
        contractor: str,
        assignment_id: str,
        covered: LineCoverage,
        line: str,
        kind: EntryType,
        amount: int,
        now: datetime,
        memo: str,
    ) -> LedgerEntry:
        return LedgerEntry(
            id=self.ids.new("led"),
            platform=platform_id,
            type=kind,
            amount_cents=amount,
            contractor=contractor,
            assignment=assignment_id,
            policy=covered.policy,
            line=line,
            at=now,
            memo=memo,
        )

    # -- lifecycle ----------------------------------------------------------------------------
    def get(self, platform_id: str, assignment_id: str) -> Assignment:
        return fetch(
            "assignment",
            "asg",
            assignment_id,
            lambda: self.assignments.get(platform_id, assignment_id),
        )

    def list(
        self,
        platform_id: str,
        contractor: str | None,
        status: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Assignment]:
        return self.assignments.page(
            platform_id,
            contractor=contractor,
            status=status,
            limit=limit,
            starting_after=starting_after,
        )

    def start(self, platform_id: str, assignment_id: str, at: datetime | None) -> Assignment:
        """The tech is on site: coverage is in force from `at` (default now)."""
        assignment = self.get(platform_id, assignment_id)
        now = self.clock.now()
        started = at or now
        check_start(assignment, started)
        updated = assignment.model_copy(
            update={
                "status": "active",
                "started_at": started,
                "updated_at": now,
                "version": assignment.version + 1,
            }
        )
        self.assignments.save(updated, expected_version=assignment.version)
        return updated

    def complete(
        self,
        platform_id: str,
        assignment_id: str,
        actual_pay_cents: int,
        actual_hours: Decimal | None,
        completed_at: datetime | None,
    ) -> Assignment:
        """Premium recomputed on actual pay with the same rates; the difference is booked."""
        assignment = self.get(platform_id, assignment_id)
        now = self.clock.now()
        check_complete(assignment, completed_at or now)
        coverage = dict(assignment.coverage)
        entries: list[LedgerEntry] = []
        reference = self.reference()
        for line, covered in assignment.coverage.items():
            if (
                covered.status != "bound"
                or covered.premium is None
                or covered.program is None
                or not covered.per_dispatch
            ):
                continue
            actual = rerate(reference.program(covered.program), covered, actual_pay_cents)
            difference = actual.total_cents - covered.premium.total_cents
            if difference:
                entries.append(
                    self._entry(
                        platform_id,
                        assignment.contractor,
                        assignment.id,
                        covered,
                        line,
                        "premium_adjustment",
                        difference,
                        now,
                        f"actual pay ${actual_pay_cents / 100:,.2f} "
                        f"(estimated ${covered.premium.basis_cents / 100:,.2f})",
                    )
                )
            coverage[line] = covered.model_copy(
                update={"premium": actual, "premium_cents": covered.premium_cents + difference}
            )
        updated = assignment.model_copy(
            update={
                "status": "completed",
                "completed_at": completed_at or now,
                "updated_at": now,
                "actual_pay_cents": actual_pay_cents,
                "actual_hours": actual_hours,
                "coverage": coverage,
                "premium_cents": assignment.premium_cents + sum(e.amount_cents for e in entries),
                "version": assignment.version + 1,
            }
        )
        self.assignments.save(updated, expected_version=assignment.version, entries=entries)
        return updated

    def cancel(self, platform_id: str, assignment_id: str, reason: str) -> Assignment:
        """Before start only: every line's premium refunded in full, waiver minimum released."""
        assignment = self.get(platform_id, assignment_id)
        require_not_started(assignment, "cancelled")
        now = self.clock.now()
        entries: list[LedgerEntry] = []
        coverage = dict(assignment.coverage)
        for line, covered in assignment.coverage.items():
            if covered.premium_cents:
                entries.append(
                    self._entry(
                        platform_id,
                        assignment.contractor,
                        assignment.id,
                        covered,
                        line,
                        "refund",
                        -covered.premium_cents,
                        now,
                        f"assignment cancelled before start ({reason})",
                    )
                )
            coverage[line] = covered.model_copy(update={"premium_cents": 0, "status": "cancelled"})
        updated = assignment.model_copy(
            update={
                "status": "cancelled",
                "cancelled_at": now,
                "cancel_reason": reason,
                "coverage": coverage,
                "premium_cents": 0,
                "updated_at": now,
                "version": assignment.version + 1,
            }
        )
        self.assignments.save(
            updated,
            expected_version=assignment.version,
            entries=entries,
            release=waiver_claims(assignment),
        )
        return updated

    def update(
        self, platform_id: str, assignment_id: str, changes: AssignmentChanges
    ) -> Assignment:
        """Before start: new window, pay, customer or description; re-rated, difference booked.

        An underwriter's earlier decision on the assignment's referral carries into the re-rate.
        """
        current = self.get(platform_id, assignment_id)
        require_not_started(current, "changed")
        customer = changes.customer if changes.customer is not None else current.customer
        request = AssignmentInput(
            external_id=current.external_id,
            contractor=current.contractor,
            customer=customer,
            trade=current.trade,
            description=changes.description
            if changes.description is not None
            else current.description,
            work_address=current.work_address,
            window=changes.window or current.window,
            pay=changes.pay or current.pay,
            lines=tuple(current.lines),
            # A new customer brings its own requirements; otherwise keep the effective ones.
            requirements=None
            if customer != current.customer
            else current.requirements.model_dump(),
            bind=current.bind if changes.bind is None else changes.bind,
            referral_decision=current.referral_decision,
        )
        if request.window.end <= request.window.start:
            raise ValidationFailed(
                "window.end must be after window.start.",
                details=[{"loc": ["body", "window", "end"], "msg": "not after start"}],
            )
        context = self.assignments.load_bind_context(
            platform_id, current.contractor, customer, current.external_id, current.lines
        )
        if customer and context.customer is None:
            raise NotFound(f"No customer {customer}.")
        now = self.clock.now()
        requirements = self._requirements(request, context)
        coverage = self.coverage.evaluate(request, context, requirements, current.id, now)
        entries: list[LedgerEntry] = []
        for line, covered in coverage.items():
            before = current.coverage[line]
            if before.status != "bound":
                entries += self._booking(
                    platform_id, current.contractor, current.id, line, covered, now
                )
                continue
            difference = covered.premium_cents - before.premium_cents
            if difference:
                entries.append(
                    self._entry(
                        platform_id,
                        current.contractor,
                        current.id,
                        covered,
                        line,
                        "premium_adjustment",
                        difference,
                        now,
                        "assignment changed before start: re-rated",
                    )
                )
        updated = current.model_copy(
            update={
                "customer": customer,
                "bind": request.bind,
                "description": request.description,
                "window": request.window,
                "pay": request.pay,
                "requirements": requirements,
                "coverage": coverage,
                "status": assignment_status([c.status for c in coverage.values()], request.bind),
                "premium_cents": current.premium_cents + sum(e.amount_cents for e in entries),
                "updated_at": now,
                "version": current.version + 1,
            }
        )
        updated, referral = self._open_referral(updated, now=now)
        held_before = set(waiver_claims(current))
        held_after = set(waiver_claims(updated))
        self.assignments.save(
            updated,
            expected_version=current.version,
            entries=entries,
            release=sorted(held_before - held_after, key=str),
            take=sorted(held_after - held_before, key=str),
            referral=referral,
        )
        return updated


def _backoff(attempt: int) -> float:
    """Half the doubled step, plus up to the other half at random (jitter, not security)."""
    step = BIND_BACKOFF_SECONDS * 2.0**attempt
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311
