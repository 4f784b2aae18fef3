"""Coverage per dispatch: bind each line under the contractor's policy, rated for the work state."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.assignments import (
    Assignment,
    AssignmentInput,
    BindContext,
    CoverageEvaluator,
    Decision,
    Pay,
    Window,
    duplicate_external_id,
)
from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed, WriteConflict
from chalicelib.domain.parties import Page, Requirements
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.underwriting import Rulebook
from chalicelib.ports import AssignmentRepository, Clock, IdGenerator, UnitOfWork
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
    uow: Callable[[], UnitOfWork]
    reference: Callable[[], ReferenceData]
    rulebook: Callable[[str], Rulebook]
    trade_profile: Callable[[str], Any]
    ids: IdGenerator
    clock: Clock

    @property
    def coverage(self) -> CoverageEvaluator:
        return CoverageEvaluator(self.reference, self.rulebook, self.trade_profile)

    def _stamp(self) -> Stamp:
        return Stamp(self.clock.now(), self.ids.new)

    def _program(self, program_id: str) -> Any:
        return self.reference().program(program_id)

    # -- reads ----------------------------------------------------------------------------------
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

    # -- the one write path ---------------------------------------------------------------------
    def _commit(self, platform_id: str, decide: Callable[[], Change[Assignment]]) -> Assignment:
        """Load-decide-commit, once per attempt: a conflicting concurrent write (a bind that took
        the waiver, a PATCH in flight) is re-read and decided again, backing off."""
        for attempt in range(BIND_ATTEMPTS):
            uow = self.uow()
            if attempt == 0 and (earlier := uow.committed_before()) is not None:
                return self.get(earlier.platform, earlier.id)
            change = decide()
            uow.record(change)
            try:
                earlier = uow.commit(ObjectRef("assignment", platform_id, change.state.id))
            except WriteConflict as conflict:
                if attempt == BIND_ATTEMPTS - 1:
                    raise Conflict(
                        "Concurrent changes to this assignment kept colliding; retry the request "
                        "(with the same Idempotency-Key).",
                        code="concurrent_update",
                    ) from conflict
                time.sleep(_backoff(attempt))
                continue
            if earlier is not None:
                return self.get(earlier.platform, earlier.id)
            return change.state
        raise AssertionError("unreachable")

    # -- create and bind ------------------------------------------------------------------------
    def create(self, platform_id: str, request: AssignmentInput) -> Assignment:
        """Rate and bind every line; the same job sent again with bind binds the quoted one."""
        self.reference().trade(request.trade)
        _check_window(request.window)
        _check_not_past(request.window, self.clock.now())

        def decide() -> Change[Assignment]:
            context = self._context(platform_id, request)
            if context.existing_assignment:
                existing = self._quoted_twin(platform_id, context.existing_assignment, request)
                return self._reprice(existing, _changes_from(request))
            if context.contractor is None:
                raise NotFound(f"No contractor {request.contractor}.")
            stamp = self._stamp()
            assignment_id = self.ids.new("asg")
            requirements = _requirements(request, context)
            coverage = self.coverage.evaluate(
                request, context, requirements, assignment_id, stamp.now
            )
            return Assignment.open(
                assignment_id, platform_id, request, requirements, coverage, stamp
            )

        return self._commit(platform_id, decide)

    def _context(self, platform_id: str, request: AssignmentInput) -> BindContext:
        context = self.assignments.load_bind_context(
            platform_id,
            request.contractor,
            request.customer,
            request.external_id,
            request.lines,
        )
        if request.customer and context.customer is None:
            raise NotFound(f"No customer {request.customer}.")
        return context

    def _quoted_twin(
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
        return existing

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, platform_id: str, assignment_id: str, at: datetime | None) -> Assignment:
        """The tech is on site: coverage is in force from `at` (default now)."""
        return self._commit(
            platform_id,
            lambda: self.get(platform_id, assignment_id).start(at, self._stamp()),
        )

    def complete(
        self,
        platform_id: str,
        assignment_id: str,
        actual_pay_cents: int,
        actual_hours: Decimal | None,
        completed_at: datetime | None,
    ) -> Assignment:
        """Premium recomputed on actual pay with the same rates; the difference is booked."""
        return self._commit(
            platform_id,
            lambda: self.get(platform_id, assignment_id).complete(
                actual_pay_cents, actual_hours, completed_at, self._program, self._stamp()
            ),
        )

    def cancel(self, platform_id: str, assignment_id: str, reason: str) -> Assignment:
        """Before start only: every line's premium refunded in full, waiver minimum released."""
        return self._commit(
            platform_id,
            lambda: self.get(platform_id, assignment_id).cancel(reason, self._stamp()),
        )

    def update(
        self, platform_id: str, assignment_id: str, changes: AssignmentChanges
    ) -> Assignment:
        """Before start: new window, pay, customer or description; re-rated, difference booked.

        An underwriter's earlier decision on the assignment's referral carries into the re-rate.
        A window moved into the past is a 422, as on create.
        """
        if changes.window is not None:
            _check_not_past(changes.window, self.clock.now())
        return self._commit(
            platform_id,
            lambda: self._reprice(self.get(platform_id, assignment_id), changes),
        )

    def _reprice(self, current: Assignment, changes: AssignmentChanges) -> Change[Assignment]:
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
        _check_window(request.window)
        context = self._context(current.platform, request)
        stamp = self._stamp()
        requirements = _requirements(request, context)
        coverage = self.coverage.evaluate(request, context, requirements, current.id, stamp.now)
        return current.reprice(request, requirements, coverage, stamp)

    def decide_referral(
        self, current: Assignment, decision: Decision, stamp: Stamp
    ) -> Change[Assignment]:
        """The effect of a referral decision on its assignment (committed with the decision)."""
        held_elsewhere: frozenset[tuple[str, str]] = frozenset()
        if current.customer:
            context = self.assignments.load_bind_context(
                current.platform,
                current.contractor,
                current.customer,
                current.external_id,
                current.lines,
            )
            held_elsewhere = context.waivers_held_by_others(current.id)
        return current.decide_referral(decision, self._program, stamp, held_elsewhere)


def _requirements(request: AssignmentInput, context: BindContext) -> Requirements:
    base = context.customer.requirements.model_dump() if context.customer else {}
    return Requirements.model_validate({**base, **(request.requirements or {})})


def _check_window(window: Window) -> None:
    if window.end <= window.start:
        raise ValidationFailed(
            "window.end must be after window.start.",
            details=[{"loc": ["body", "window", "end"], "msg": "not after start"}],
        )


def _check_not_past(window: Window, now: datetime) -> None:
    """A window that has already ended covers nothing: a 422, on create and on PATCH. (One that
    started earlier and is still open is a backdated dispatch, which the program's rules
    judge.)"""
    if window.end <= now:
        raise ValidationFailed(
            f"The window ended at {window.end.isoformat()}, in the past: coverage is bought "
            "for work still to come.",
            code="window_in_past",
            details=[{"loc": ["body", "window", "end"], "msg": "in the past"}],
        )


def _changes_from(request: AssignmentInput) -> AssignmentChanges:
    return AssignmentChanges(
        window=request.window,
        pay=request.pay,
        customer=request.customer,
        description=request.description,
        bind=True,
    )


def _backoff(attempt: int) -> float:
    """Half the doubled step, plus up to the other half at random (jitter, not security)."""
    step = BIND_BACKOFF_SECONDS * 2.0**attempt
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311
