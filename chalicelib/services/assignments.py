"""Coverage per dispatch: bind each line under the contractor's policy, rated for the work state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
from chalicelib.domain.assignments.classes import classes_joining
from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.parties import Page, Requirements
from chalicelib.domain.policies import ClassSource, Policy
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.underwriting import Rulebook
from chalicelib.domain.waivers import CustomerWaivers, WaiverKey, waiver_changes, waiver_keys
from chalicelib.ports import AssignmentRepository, Clock, IdGenerator, UnitOfWork
from chalicelib.services.commit import Retry, commit_with_retries, concurrent_update
from chalicelib.services.lookup import fetch

if TYPE_CHECKING:
    from chalicelib.services.certificates import CertificateServices

# A customer's waiver account is one item every job under it writes: jobs dispatched at once for
# the same tech and customer take their turns on it, hence the attempts (pauses: services/commit).
BIND_RETRY = Retry(attempts=8)


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
    # Issues, revises and voids the assignment's certificate with each change (None: no
    # certificates, as in service tests that do not look at them).
    certificates: CertificateServices | None = None
    retry: Retry = BIND_RETRY

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

        def attempt(uow: UnitOfWork) -> tuple[Change[Assignment], ObjectRef]:
            change = self._certified(decide())
            uow.record(change)
            return change, ObjectRef("assignment", platform_id, change.state.id)

        done = commit_with_retries(
            self.uow,
            attempt,
            self.retry,
            concurrent_update(
                "Concurrent changes to this assignment kept colliding; retry the request "
                "(with the same Idempotency-Key)."
            ),
        )
        if done.change is None:
            assert done.earlier is not None
            if self.certificates is not None:
                self.certificates.issue_quietly_for(done.earlier.platform, done.earlier.id)
            return self.get(done.earlier.platform, done.earlier.id)
        self.after_commit(done.change)
        return done.change.state

    def _certified(
        self, change: Change[Assignment], context: BindContext | None = None
    ) -> Change[Assignment]:
        """The change with its certificate's (same commit); `context`: what the bind read."""
        if self.certificates is None:
            return change
        return self.certificates.with_assignment(change, context)

    def after_commit(self, change: Change[Any]) -> None:
        """Right after the commit: render and store the certificate it issued (never raises)."""
        if self.certificates is not None:
            self.certificates.after_commit(change)

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
            opened = Assignment.open(
                assignment_id, platform_id, request, requirements, coverage, stamp
            )
            opened = self._with_classes(None, opened, context.policies, "dispatch", stamp)
            opened = self._with_waivers(None, opened, stamp, _known(context, request))
            return self._certified(opened, context)

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

        def decide() -> Change[Assignment]:
            current, stamp = self.get(platform_id, assignment_id), self._stamp()
            return self._with_waivers(current, current.start(at, stamp), stamp)

        return self._commit(platform_id, decide)

    def complete(
        self,
        platform_id: str,
        assignment_id: str,
        actual_pay_cents: int,
        actual_hours: Decimal | None,
        completed_at: datetime | None,
    ) -> Assignment:
        """Premium recomputed on actual pay with the same rates; the difference is booked."""

        def decide() -> Change[Assignment]:
            current, stamp = self.get(platform_id, assignment_id), self._stamp()
            change = current.complete(
                actual_pay_cents, actual_hours, completed_at, self._program, stamp
            )
            return self._with_waivers(current, change, stamp)

        return self._commit(platform_id, decide)

    def cancel(self, platform_id: str, assignment_id: str, reason: str) -> Assignment:
        """Before start only: every line's premium refunded in full; a waiver covering many jobs
        recomputed without it (released when no job is left under it and none has started)."""

        def decide() -> Change[Assignment]:
            current, stamp = self.get(platform_id, assignment_id), self._stamp()
            return self._with_waivers(current, current.cancel(reason, stamp), stamp)

        return self._commit(platform_id, decide)

    def cancel_for_policy(
        self, current: Assignment, policy_id: str, reason: str, stamp: Stamp
    ) -> Change[Assignment]:
        """Its policy is cancelled before the job starts (the policy term commits it): the lines
        under that policy refunded, and the waiver accounts they were under recomputed."""
        return self._with_waivers(
            current, current.cancel_for_policy(policy_id, reason, stamp), stamp
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
        repriced = current.reprice(request, requirements, coverage, stamp)
        how: ClassSource = "referral" if current.referral_decision == "approved" else "dispatch"
        repriced = self._with_classes(current, repriced, context.policies, how, stamp)
        repriced = self._with_waivers(current, repriced, stamp, _known(context, request))
        return self._certified(repriced, context)

    def decide_referral(
        self, current: Assignment, decision: Decision, stamp: Stamp
    ) -> Change[Assignment]:
        """The effect of a referral decision on its assignment (committed with the decision),
        with the classes it adds to the policy."""
        context = self.assignments.load_bind_context(
            current.platform,
            current.contractor,
            current.customer,
            current.external_id,
            current.lines,
        )
        decided = current.decide_referral(decision, self._program, stamp)
        decided = self._with_classes(current, decided, context.policies, "referral", stamp)
        known = {
            (current.customer, line): context.waivers.get(line)
            for line in current.lines
            if current.customer
        }
        return self._certified(self._with_waivers(current, decided, stamp, known))

    def _with_waivers(
        self,
        before: Assignment | None,
        change: Change[Assignment],
        stamp: Stamp,
        known: Mapping[WaiverKey, CustomerWaivers | None] | None = None,
    ) -> Change[Assignment]:
        """The change, with the waiver accounts (one per customer per line) it moves, each
        recomputing its charge and booking the difference, in the same commit."""
        keys = waiver_keys(before, change.state)
        if not keys:
            return change
        known = known or {}
        accounts = {key: found for key in keys if (found := known.get(key)) is not None}
        missing = sorted(key for key in keys if key not in known)
        if missing:
            state = change.state
            accounts |= self.assignments.load_waivers(state.platform, state.contractor, missing)
        moved = waiver_changes(before, change.state, accounts, stamp)
        return replace(change, related=(*change.related, *moved)) if moved else change

    def _with_classes(
        self,
        before: Assignment | None,
        change: Change[Assignment],
        policies: Sequence[Policy],
        added_by: ClassSource,
        stamp: Stamp,
    ) -> Change[Assignment]:
        """The change, with the policy changes adding the classes it binds (one commit)."""
        joining = classes_joining(before, change.state, policies, self.reference(), added_by, stamp)
        if not joining:
            return change
        return replace(change, related=(*change.related, *joining))


def _known(
    context: BindContext, request: AssignmentInput
) -> dict[WaiverKey, CustomerWaivers | None]:
    """The waiver accounts the bind's read round loaded (None: none stored yet)."""
    if request.customer is None:
        return {}
    return {(request.customer, line): context.waivers.get(line) for line in request.lines}


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
