"""The policy term by request: cancel, reinstate, complete the final audit.

Each loads the policy (a platform key: its own; an underwriter or admin: any, by id), lets the
aggregate decide under the program's term rules, and commits once. Cancelling also cancels the
policy's jobs that start on or after the effective date: in the same transaction while they fit
DynamoDB's 100 items, then one commit per remaining job, each safe to repeat (a retried request,
or the `expirations` job, finishes what a crash left).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any, Protocol

from chalicelib.domain.assignments import Assignment
from chalicelib.domain.calendar import add_business_days
from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import ValidationFailed, WriteConflict
from chalicelib.domain.ledger import running_totals
from chalicelib.domain.parties import Principal
from chalicelib.domain.policies import Policy
from chalicelib.domain.rating import rate_wc
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.roles import Role
from chalicelib.domain.term import TermRulebook
from chalicelib.domain.term.cancellation import CancellationRequest, plan_cancellation
from chalicelib.domain.term.reinstatement import check_reinstatement
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.request_scope import WriteScope, current_scope, write_scope
from chalicelib.services.commit import Retry, commit_with_retries, concurrent_update
from chalicelib.services.lookup import fetch

TERM_RETRY = Retry(attempts=4, base_seconds=0.02)
# DynamoDB takes at most 100 items in one TransactWriteItems; the unit of work adds its marker.
TRANSACTION_ITEMS = 100
MARKER_ITEMS = 1


class TermPolicies(Protocol):
    def get_policy(self, platform_id: str, policy_id: str) -> Policy | None: ...

    def find_policy(self, policy_id: str) -> Policy | None: ...


class UpcomingAssignments(Protocol):
    def upcoming(
        self, platform_id: str, contractor_id: str, starting: datetime
    ) -> list[Assignment]: ...


class QuoteLookup(Protocol):
    def get_quote(self, platform_id: str, quote_id: str) -> Any: ...


def change_items(change: Change[Any]) -> int:
    """How many items the unit of work writes for a change (state, entries, claims, events,
    uniqueness claim of a new object, related changes), counting the running totals its entries
    add to as its own (an upper bound: changes of one transaction share some of them)."""
    created = 1 if change.expected_version is None else 0
    own = 1 + created + len(change.entries)
    own += len(running_totals(change.entries))
    return own + len(change.events) + sum(change_items(related) for related in change.related)


def sub_scope(parent: WriteScope, label: str) -> WriteScope:
    """The scope of one follow-up commit of a request: its own exactly-once marker, derived from
    the request's writer, so a retry of the request recognises it."""
    digest = hashlib.sha256(f"{parent.writer}|{label}".encode()).hexdigest()[:32]
    return WriteScope(writer=f"s{digest}", token=str(uuid.uuid4()), retryable=parent.retryable)


def role_name(principal: Principal) -> str:
    return principal.role.value if isinstance(principal.role, Role) else str(principal.role)


def cancellation_start(effective: date) -> datetime:
    """The instant a cancellation takes effect: 00:00 UTC on its effective date."""
    return datetime.combine(effective, clock_time(0), tzinfo=UTC)


@dataclass(frozen=True)
class TermServices:
    policies: TermPolicies
    assignments: UpcomingAssignments
    quotes: QuoteLookup
    uow: Callable[[], UnitOfWork]
    reference: Callable[[], ReferenceData]
    rules: Callable[[], TermRulebook]
    ids: IdGenerator
    clock: Clock
    # An upcoming job's cancellation with its policy, with the waiver accounts it moves
    # (AssignmentServices.cancel_for_policy).
    cancellations: Callable[[Assignment, str, str, Stamp], Change[Assignment]]
    retry: Retry = TERM_RETRY

    def _stamp(self) -> Stamp:
        return Stamp(self.clock.now(), self.ids.new)

    # -- reads ----------------------------------------------------------------------------------
    def policy_for(self, principal: Principal, policy_id: str) -> Policy:
        """A platform reads its own policies; an underwriter or admin any, by id."""
        if principal.platform is not None:
            platform = principal.platform
            return fetch(
                "policy", "pol", policy_id, lambda: self.policies.get_policy(platform, policy_id)
            )
        return fetch("policy", "pol", policy_id, lambda: self.policies.find_policy(policy_id))

    def _reload(self, ref: ObjectRef) -> Policy:
        return fetch(
            "policy", "pol", ref.id, lambda: self.policies.get_policy(ref.platform, ref.id)
        )

    # -- the commit loop -----------------------------------------------------------------------
    def _commit(
        self,
        principal: Principal,
        policy_id: str,
        decide: Callable[[Policy, Stamp, UnitOfWork], Change[Policy]],
        after: Callable[[Policy], None] | None = None,
    ) -> Policy:
        """Load, decide, record, commit once; a concurrent change re-reads and decides again.

        `after` runs once the policy's commit stands (also when a retried request finds its
        earlier commit): the follow-up work that did not fit the transaction."""

        def attempt(uow: UnitOfWork) -> tuple[Change[Policy], ObjectRef]:
            current = self.policy_for(principal, policy_id)
            change = decide(current, self._stamp(), uow)
            uow.record(change)
            return change, ObjectRef("policy", current.platform, current.id)

        done = commit_with_retries(
            self.uow,
            attempt,
            self.retry,
            concurrent_update(
                f"Policy {policy_id} kept changing; retry (with the same Idempotency-Key)."
            ),
        )
        if done.change is None:
            assert done.earlier is not None
            policy = self._reload(done.earlier)
        else:
            policy = done.change.state
        if after is not None:
            after(policy)
            policy = self._reload(ObjectRef("policy", policy.platform, policy.id))
        return policy

    # -- cancel ---------------------------------------------------------------------------------
    def cancel(
        self, principal: Principal, policy_id: str, reason: str, effective_date: date | None
    ) -> Policy:
        """Cancel now or from a later date; the policy's jobs starting on or after it are
        cancelled and refunded when the cancellation is made."""
        request = CancellationRequest(
            reason=reason,  # type: ignore[arg-type]  # the API schema checks the reason
            effective_date=effective_date,
            role=role_name(principal),  # type: ignore[arg-type]
        )
        parent = current_scope()

        def decide(policy: Policy, stamp: Stamp, uow: UnitOfWork) -> Change[Policy]:
            plan = plan_cancellation(policy, request, self.rules(), utc_today(stamp.now), stamp.now)
            upcoming = self._upcoming(policy, plan.cancellation.effective_date)
            change = policy.cancel(plan, stamp, assignments_cancelled=len(upcoming))
            budget = TRANSACTION_ITEMS - MARKER_ITEMS - change_items(change)
            moved: set[tuple[type, str]] = set()  # items a job's change writes besides itself
            for assignment in upcoming:
                cancelled = self.cancellations(assignment, policy.id, reason, stamp)
                touches = {(type(r.state), r.state.id) for r in cancelled.related}
                if change_items(cancelled) > budget or touches & moved:
                    # The rest commit one by one after this commit (two jobs under one waiver
                    # account cannot both move it in one transaction).
                    break
                budget -= change_items(cancelled)
                moved |= touches
                uow.record(cancelled)
            return change

        def after(policy: Policy) -> None:
            self.cancel_upcoming(policy, parent)

        return self._commit(principal, policy_id, decide, after)

    def _upcoming(self, policy: Policy, effective: date) -> list[Assignment]:
        """The policy's jobs not yet started whose window starts on or after `effective`."""
        found = self.assignments.upcoming(
            policy.platform, policy.contractor, cancellation_start(effective)
        )
        return [
            assignment
            for assignment in found
            if any(
                line.policy == policy.id and line.status == "bound"
                for line in assignment.coverage.values()
            )
        ]

    def cancel_upcoming(self, policy: Policy, parent: WriteScope | None = None) -> int:
        """Cancel what is left of a cancelled (or cancellation-pending) policy's upcoming jobs,
        one commit each; repeating it cancels nothing twice. Returns how many it cancelled."""
        cancellation = policy.cancellation
        if cancellation is None or policy.status not in {"cancelled", "cancellation_pending"}:
            return 0
        parent = parent or current_scope()
        done = 0
        for assignment in self._upcoming(policy, cancellation.effective_date):
            with write_scope(sub_scope(parent, assignment.id)):
                uow = self.uow()
                if uow.committed_before() is not None:
                    continue
                change = self.cancellations(
                    assignment, policy.id, cancellation.reason, self._stamp()
                )
                uow.record(change)
                try:
                    uow.commit(ObjectRef("assignment", assignment.platform, assignment.id))
                except WriteConflict:
                    continue  # it changed meanwhile (started, cancelled): the next sweep decides
                done += 1
        return done

    # -- reinstate ------------------------------------------------------------------------------
    def reinstate(self, principal: Principal, policy_id: str) -> Policy:
        """Withdraw a scheduled cancellation, reinstate a cancelled policy, or bind a rescinded
        one again (underwriter), under each program's reinstatement rules."""
        role = role_name(principal)

        def decide(policy: Policy, stamp: Stamp, uow: UnitOfWork) -> Change[Policy]:
            today = utc_today(stamp.now)
            check_reinstatement(policy, role, self.rules(), today)  # type: ignore[arg-type]
            return policy.reinstate(stamp, rebind_due_by=self._rebind_due_by(policy, today))

        return self._commit(principal, policy_id, decide)

    def _rebind_due_by(self, policy: Policy, today: date) -> date | None:
        """A rebound bind's down payment is due the program's business days from today."""
        days = [
            terms.due_business_days
            for line in policy.lines.values()
            if (terms := self.reference().program(line.program).term.down_payment) is not None
        ]
        return add_business_days(today, min(days)) if days else None

    # -- final audit ----------------------------------------------------------------------------
    def complete_audit(
        self,
        principal: Principal,
        policy_id: str,
        audited_pay_cents: dict[str, int],
        completed_at: datetime,
    ) -> Policy:
        """The final audit's premium on audited pay per class; the difference from the
        estimated premium the term earned booked as `audit_adjustment`."""

        def decide(policy: Policy, stamp: Stamp, uow: UnitOfWork) -> Change[Policy]:
            if completed_at > stamp.now:
                raise ValidationFailed(
                    "completed_at may not be in the future.",
                    details=[{"loc": ["body", "completed_at"], "msg": "in the future"}],
                )
            policy.requested_audit()
            premiums = self._audited_premiums(policy, audited_pay_cents)
            return policy.complete_final_audit(audited_pay_cents, premiums, completed_at, stamp)

        return self._commit(principal, policy_id, decide)

    def _audited_premiums(self, policy: Policy, audited: dict[str, int]) -> dict[str, int]:
        """Each annual line's premium on the audited pay of its classes (same rate table, EL
        limits and experience mod as its estimate)."""
        reference = self.reference()
        quote = self.quotes.get_quote(policy.platform, policy.quote)
        premiums: dict[str, int] = {}
        claimed: set[str] = set()
        for name, line in policy.lines.items():
            if line.estimated_annual_premium_cents is None:
                continue
            program = reference.program(line.program)
            quoted = quote.lines.get(name) if quote is not None else None
            breakdown = quoted.premium if quoted is not None else None
            mod = breakdown.experience_mod if breakdown and breakdown.experience_mod else "1.00"
            total = 0
            for class_code, pay in sorted(audited.items()):
                try:
                    rate = reference.rate_for(program.id, line.quoted_state, class_code)
                except (KeyError, LookupError, ValueError):
                    continue
                claimed.add(class_code)
                total += rate_wc(
                    program,
                    pay,
                    rate,
                    el_limits=line.el_limits or "100/500/100",
                    experience_mod=mod,
                ).total_cents
            premiums[name] = total
        unknown = sorted(set(audited) - claimed)
        if unknown or not premiums:
            raise ValidationFailed(
                "Audited pay must be given per class code the policy's annual lines rate"
                + (f"; not rated here: {', '.join(unknown)}." if unknown else "."),
                details=[
                    {"loc": ["body", "audited_pay_cents", code], "msg": "class not rated"}
                    for code in unknown
                ],
            )
        return premiums
