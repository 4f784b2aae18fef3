"""Policies: the tech opts in once; a policy with a term window covers every later dispatch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field

from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ledger import EntryType, LedgerEntry
from chalicelib.domain.reasons import Reason
from chalicelib.domain.term.cancellation import CancellationPlan
from chalicelib.domain.term.records import (
    Cancellation,
    FinalAudit,
    Notice,
    RenewalDecision,
)

PolicyStatus = Literal[
    "pending_payment",
    "active",
    "cancellation_pending",
    "cancelled",
    "rescinded",
    "expired",
    "renewal_pending_review",
    "non_renewed",
]
# Statuses under which new assignments bind (a pending cancellation still covers until it takes
# effect; the service checks the window against the cancellation date). A policy non-renewed, or
# whose renewal waits for an underwriter, is in force until its term ends.
BINDING_STATUSES = frozenset(
    {"active", "cancellation_pending", "renewal_pending_review", "non_renewed"}
)


class PolicyLine(BaseModel):
    """One line of a policy: the program that writes it and what was quoted."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    program: str
    """The program that writes the line."""
    carrier: dict[str, Any]
    """The carrier: `name`, `naic`."""
    states: list[str]
    """The states the line writes."""
    trades: list[str]
    """The trades the line covers."""
    per_dispatch: bool
    """Whether premium is earned per assignment."""
    el_limits: str | None = None
    """WC: the employers' liability limits."""
    quoted_state: str
    """The state quoted."""
    quoted_class_code: str | None = None
    """The class code quoted."""
    quoted_rate_per_100: str | None = None
    """The rate quoted, as a decimal string."""
    estimated_annual_premium_cents: int | None = None
    """Annual programs: the line's estimated premium."""
    policy_charges_cents: int = 0
    """Annual programs: the line's term charges."""
    referred_and_approved: bool = False
    """Whether the line was referred and approved by an underwriter."""
    # A line added to an active policy (by an approval) that brought a down payment: it binds
    # nothing until that is paid, while the policy's other lines go on binding.
    awaiting_down_payment: bool = False
    """A line added by an approval that binds nothing until its down payment is paid."""


@dataclass(frozen=True)
class TermFigures:
    """A term's annual figures (domain/policy_terms.py computes them)."""

    estimated_annual_premium_cents: int | None
    written_premium_cents: int
    down_payment_cents: int | None
    down_payment_due_by: date | None


# A rescinded bind is undone: nothing is owed and nothing is paid against it. A cancelled or
# expired policy still takes payments (bringing the account current, an audit's additional
# premium).
CLOSED_STATUSES = frozenset({"rescinded"})


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    number: str
    platform: str
    contractor: str
    quote: str
    trade: str
    lines: dict[str, PolicyLine]
    status: PolicyStatus
    effective_date: date
    expiration_date: date
    auto_renew: bool = True
    estimated_annual_premium_cents: int | None = None
    written_premium_cents: int = 0
    paid_cents: int = 0
    down_payment_due_cents: int | None = None
    down_payment_due_by: date | None = None
    final_audit: FinalAudit | None = None
    cancellation: Cancellation | None = None
    renewal_of: str | None = None
    renewed_by: str | None = None
    renewal: RenewalDecision | None = None
    notices: list[Notice] = []
    # Ledger totals of the term's return premium and final-audit adjustments (balance due).
    returned_premium_cents: int = 0
    audit_adjustment_cents: int = 0
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balance_due_cents(self) -> int:
        """balance = written term premium - return premium + audit adjustments - payments
        (per-assignment premium is billed per job)."""
        return (
            self.written_premium_cents
            - self.returned_premium_cents
            + self.audit_adjustment_cents
            - self.paid_cents
        )

    @property
    def annual(self) -> bool:
        """Some line is written on estimated annual premium (guaranteed cost, final audit)."""
        return any(line.estimated_annual_premium_cents is not None for line in self.lines.values())

    # -- transitions ----------------------------------------------------------------------------
    def event(self, kind: str) -> DomainEvent:
        return DomainEvent(kind, self.platform, "policy", self.id, self.model_dump(mode="json"))

    def term_charges(self, lines: dict[str, PolicyLine], stamp: Stamp) -> list[LedgerEntry]:
        """A `policy_charge` per annual line: its estimated annual premium and term charges."""
        return [
            LedgerEntry(
                id=stamp.new_id("led"),
                platform=self.platform,
                type="policy_charge",
                amount_cents=line.estimated_annual_premium_cents + line.policy_charges_cents,
                contractor=self.contractor,
                policy=self.id,
                line=name,
                at=stamp.now,
                memo=f"{line.program}: estimated annual premium and term charges "
                "(guaranteed cost, adjusted by final audit)",
            )
            for name, line in lines.items()
            if line.estimated_annual_premium_cents is not None
        ]

    def bound(self, stamp: Stamp) -> Change[Policy]:
        """A new policy from its quote: term charges booked; active unless a down payment is
        due (`policy.activated` only when it is active)."""
        events = (self.event("policy.activated"),) if self.status == "active" else ()
        return Change(
            self,
            expected_version=None,
            entries=tuple(self.term_charges(self.lines, stamp)),
            events=events,
        )

    def adopt(
        self, added: dict[str, PolicyLine], figures: TermFigures, stamp: Stamp
    ) -> Change[Policy]:
        """After an approval: referred lines of the quote join the policy the tech opted into;
        a down payment they bring is added to what is due (and follows the program's due date)."""
        updated = self.model_copy(
            update={
                "lines": {**self.lines, **added},
                "estimated_annual_premium_cents": figures.estimated_annual_premium_cents,
                "written_premium_cents": figures.written_premium_cents,
                "down_payment_due_cents": figures.down_payment_cents,
                "down_payment_due_by": self.down_payment_due_by or figures.down_payment_due_by,
                "updated_at": stamp.now,
                "version": self.version + 1,
            }
        )
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(self.term_charges(added, stamp)),
        )

    def pay(self, amount_cents: int, reference: str, stamp: Stamp) -> Change[Policy]:
        """A payment reduces the balance; paying the down payment activates a pending policy."""
        if self.status in CLOSED_STATUSES:
            raise Conflict(f"Policy {self.number} is {self.status}.", code="policy_closed")
        if amount_cents > self.balance_due_cents:
            raise ValidationFailed(
                f"Payment of {amount_cents} cents exceeds the balance due "
                f"({self.balance_due_cents} cents).",
                details=[{"loc": ["body", "amount_cents"], "msg": "more than the balance due"}],
            )
        paid = self.paid_cents + amount_cents
        status = self.status
        lines = self.lines
        if paid >= (self.down_payment_due_cents or 0):
            if status == "pending_payment":
                status = "active"
            lines = {
                name: line.model_copy(update={"awaiting_down_payment": False})
                for name, line in self.lines.items()
            }
        payment = Payment(
            id=stamp.new_id("pay"),
            platform=self.platform,
            policy=self.id,
            amount_cents=amount_cents,
            reference=reference,
            created_at=stamp.now,
        )
        updated = self.model_copy(
            update={
                "paid_cents": paid,
                "status": status,
                "lines": lines,
                "updated_at": stamp.now,
                "version": self.version + 1,
            }
        )
        received = DomainEvent(
            "policy.payment_received",
            self.platform,
            "payment",
            payment.id,
            payment.model_dump(mode="json"),
        )
        activated = status == "active" and self.status != "active"
        events = (received, updated.event("policy.activated")) if activated else (received,)
        return Change(
            updated,
            expected_version=self.version,
            events=events,
            related=(Change(payment, expected_version=None),),
        )

    # -- the term: cancel, reinstate, rescind, expire, audit, renew (rules in domain/term/) ------
    def _next(self, stamp: Stamp, **changes: Any) -> Policy:
        """A copy with `changes`, stamped and one version on (the aggregate's only copy path)."""
        return self.model_copy(
            update={**changes, "updated_at": stamp.now, "version": self.version + 1}
        )

    def _entry(
        self, kind: EntryType, amount_cents: int, line: str, memo: str, stamp: Stamp
    ) -> LedgerEntry:
        return LedgerEntry(
            id=stamp.new_id("led"),
            platform=self.platform,
            type=kind,
            amount_cents=amount_cents,
            contractor=self.contractor,
            policy=self.id,
            line=line,
            at=stamp.now,
            memo=memo,
        )

    def _return_entries(
        self, cancellation: Cancellation, sign: int, stamp: Stamp
    ) -> list[LedgerEntry]:
        """`return_premium` per annual line: negative when the cancellation takes effect,
        positive when a reinstatement undoes it."""
        verb = "cancelled" if sign < 0 else "reinstated"
        return [
            self._entry(
                "return_premium",
                sign * split.return_premium_cents,
                name,
                f"policy {verb}: {cancellation.method.replace('_', ' ')} return premium "
                f"({cancellation.reason}, effective {cancellation.effective_date})",
                stamp,
            )
            for name, split in cancellation.lines.items()
            if split.return_premium_cents
        ]

    def cancel(
        self, plan: CancellationPlan, stamp: Stamp, *, assignments_cancelled: int = 0
    ) -> Change[Policy]:
        """A cancellation (planned by domain/term/cancellation.py): effective now, it books the
        return premium (`policy.cancelled`); later, the policy is `cancellation_pending` until
        then (`policy.cancellation_scheduled`). A company reason's notice is recorded."""
        cancellation = plan.cancellation.model_copy(
            update={"assignments_cancelled": assignments_cancelled}
        )
        notices = [*self.notices, plan.notice] if plan.notice else list(self.notices)
        if cancellation.status == "scheduled":
            updated = self._next(
                stamp, status="cancellation_pending", cancellation=cancellation, notices=notices
            )
            return Change(
                updated,
                expected_version=self.version,
                events=(updated.event("policy.cancellation_scheduled"),),
            )
        updated = self._next(
            stamp,
            status="cancelled",
            cancellation=cancellation,
            notices=notices,
            returned_premium_cents=self.returned_premium_cents + cancellation.return_premium_cents,
        )
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(self._return_entries(cancellation, -1, stamp)),
            events=(updated.event("policy.cancelled"),),
        )

    def cancellation_takes_effect(self, stamp: Stamp) -> Change[Policy]:
        """A scheduled cancellation's date arrived: cancelled, return premium booked."""
        if self.status != "cancellation_pending" or self.cancellation is None:
            raise Conflict(f"Policy {self.number} has no scheduled cancellation.")
        cancellation = self.cancellation.model_copy(update={"status": "effective"})
        updated = self._next(
            stamp,
            status="cancelled",
            cancellation=cancellation,
            returned_premium_cents=self.returned_premium_cents + cancellation.return_premium_cents,
        )
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(self._return_entries(cancellation, -1, stamp)),
            events=(updated.event("policy.cancelled"),),
        )

    def reinstate(self, stamp: Stamp, rebind_due_by: date | None = None) -> Change[Policy]:
        """Undo a cancellation (domain/term/reinstatement.py checked the program's rules first):
        a scheduled one is withdrawn, an effective one's return premium re-booked; a rescinded
        bind is bound again, its charges re-booked and a new down payment date set. Assignments
        cancelled with the policy stay cancelled (the platform dispatches them again)."""
        if self.status == "rescinded":
            entries = self.term_charges(self.lines, stamp)
            written = sum(entry.amount_cents for entry in entries)
            due = self.down_payment_due_cents or 0
            paid_up = self.paid_cents >= due
            updated = self._next(
                stamp,
                status="active" if paid_up else "pending_payment",
                written_premium_cents=written,
                down_payment_due_by=self.down_payment_due_by if paid_up else rebind_due_by,
            )
            return Change(
                updated,
                expected_version=self.version,
                entries=tuple(entries),
                events=(updated.event("policy.reinstated"),),
            )
        cancellation = self.cancellation
        if cancellation is None or self.status not in {"cancellation_pending", "cancelled"}:
            raise Conflict(f"Policy {self.number} is {self.status}.", code="not_cancelled")
        entries = self._return_entries(cancellation, 1, stamp) if self.status == "cancelled" else []
        returned = cancellation.return_premium_cents if self.status == "cancelled" else 0
        audit = (
            self.final_audit
            if self.final_audit and self.final_audit.status == "completed"
            else None
        )
        updated = self._next(
            stamp,
            status=cancellation.prior_status,
            cancellation=None,
            final_audit=audit,
            returned_premium_cents=self.returned_premium_cents - returned,
        )
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(entries),
            events=(updated.event("policy.reinstated"),),
        )

    def rescind(self, today: date, stamp: Stamp, guideline: str | None) -> Change[Policy]:
        """The down payment is past due: the bind is undone (Rescinding Bind Notice), its policy
        charges and estimated premium reversed by negative entries of the same type."""
        due_by = self.down_payment_due_by
        if self.status != "pending_payment" or due_by is None or today <= due_by:
            raise Conflict(f"Policy {self.number} has no down payment past due.")
        entries = [
            self._entry(
                "policy_charge",
                -entry.amount_cents,
                entry.line or "",
                f"bind rescinded: down payment not received by {due_by} (Rescinding Bind "
                "Notice); policy charges and estimated premium reversed",
                stamp,
            )
            for entry in self.term_charges(self.lines, stamp)
        ]
        notice = Notice(
            kind="rescinding_bind",
            reason="down_payment_not_received",
            sent_at=stamp.now,
            effective_date=today,
            guideline=guideline,
        )
        updated = self._next(
            stamp, status="rescinded", written_premium_cents=0, notices=[*self.notices, notice]
        )
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(entries),
            events=(updated.event("policy.rescinded"),),
        )

    def expire(self, stamp: Stamp) -> Change[Policy]:
        """The term ended (00:00 UTC on the expiration date): `expired`."""
        if self.status not in {"active", "non_renewed", "renewal_pending_review"}:
            raise Conflict(f"Policy {self.number} is {self.status}; it does not expire.")
        updated = self._next(stamp, status="expired")
        return Change(
            updated, expected_version=self.version, events=(updated.event("policy.expired"),)
        )

    def request_final_audit(self, audit: FinalAudit, stamp: Stamp) -> Change[Policy]:
        """The term ended: its final audit is requested (`audit.requested`)."""
        if self.final_audit is not None:
            raise Conflict(f"Policy {self.number} already has its final audit.")
        updated = self._next(stamp, final_audit=audit)
        return Change(
            updated, expected_version=self.version, events=(updated.event("audit.requested"),)
        )

    def requested_audit(self) -> FinalAudit:
        """The final audit waiting to be completed, or Conflict."""
        audit = self.final_audit
        if audit is None or audit.status != "requested":
            raise Conflict(
                f"Policy {self.number} has no final audit waiting to be completed.",
                code="no_audit_requested",
            )
        return audit

    def complete_final_audit(
        self,
        audited_pay_cents: dict[str, int],
        audited_premium_by_line: dict[str, int],
        completed_at: datetime,
        stamp: Stamp,
    ) -> Change[Policy]:
        """Premium on audited pay; the difference from the estimated premium the term earned is
        booked per line as `audit_adjustment` (`audit.completed`)."""
        audit = self.requested_audit()
        audited = sum(audited_premium_by_line.values())
        adjustment = audited - audit.estimated_premium_cents
        estimated_by_line = _shares(
            audit.estimated_premium_cents,
            {
                name: line.estimated_annual_premium_cents or 0
                for name, line in self.lines.items()
                if name in audited_premium_by_line
            },
        )
        entries = [
            self._entry(
                "audit_adjustment",
                premium - estimated_by_line.get(name, 0),
                name,
                f"final audit ({audit.type}): premium on audited pay "
                f"${premium / 100:,.2f} against ${estimated_by_line.get(name, 0) / 100:,.2f} "
                "estimated",
                stamp,
            )
            for name, premium in audited_premium_by_line.items()
            if premium - estimated_by_line.get(name, 0)
        ]
        completed = audit.model_copy(
            update={
                "status": "completed",
                "completed_at": completed_at,
                "audited_pay_cents": audited_pay_cents,
                "audited_premium_cents": audited,
                "adjustment_cents": adjustment,
            }
        )
        updated = self._next(
            stamp,
            final_audit=completed,
            audit_adjustment_cents=self.audit_adjustment_cents
            + sum(entry.amount_cents for entry in entries),
        )
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(entries),
            events=(updated.event("audit.completed"),),
        )

    # -- renewal --------------------------------------------------------------------------
    def renew_as(self, renewal: Policy, stamp: Stamp) -> Change[Policy]:
        """The next term, bound from its renewal quote (`renewal_of` this policy, the same
        number), committed with this policy's `renewed_by` (`policy.renewed`)."""
        if self.renewed_by is not None:
            raise Conflict(f"Policy {self.number} was already renewed by {self.renewed_by}.")
        decision = RenewalDecision(status="renewed", decided_at=stamp.now, policy=renewal.id)
        status = "active" if self.status == "renewal_pending_review" else self.status
        updated = self._next(stamp, renewed_by=renewal.id, renewal=decision, status=status)
        bound = renewal.bound(stamp)
        new_term = Change(
            bound.state,
            expected_version=None,
            entries=bound.entries,
            events=(*bound.events, renewal.event("policy.renewed")),
        )
        return Change(updated, expected_version=self.version, related=(new_term,))

    def refer_renewal(self, referral: str, reasons: list[Reason], stamp: Stamp) -> Change[Policy]:
        """Re-underwriting referred: the renewal waits for an underwriter
        (`renewal_pending_review`, `policy.renewal_referred`); the term stays in force."""
        decision = RenewalDecision(
            status="referred", decided_at=stamp.now, referral=referral, reasons=reasons
        )
        updated = self._next(stamp, status="renewal_pending_review", renewal=decision)
        return Change(
            updated,
            expected_version=self.version,
            events=(updated.event("policy.renewal_referred"),),
        )

    def non_renew(
        self, reasons: list[Reason], notice_effective: date, stamp: Stamp
    ) -> Change[Policy]:
        """No longer qualifies: `non_renewed` with its reasons and a non-renewal notice; the term
        stays in force until it ends."""
        decision = RenewalDecision(status="non_renewed", decided_at=stamp.now, reasons=reasons)
        notice = Notice(
            kind="non_renewal",
            reason=reasons[0].code if reasons else "not_renewed",
            sent_at=stamp.now,
            effective_date=notice_effective,
            guideline=next((r.guideline for r in reasons if r.guideline), None),
        )
        updated = self._next(
            stamp, status="non_renewed", renewal=decision, notices=[*self.notices, notice]
        )
        return Change(
            updated,
            expected_version=self.version,
            events=(updated.event("policy.non_renewed"),),
        )


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    policy: str
    amount_cents: int
    reference: str
    created_at: datetime


def _shares(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split in proportion to `weights` (largest remainder: the parts add up exactly)."""
    weight = sum(weights.values())
    if not weight:
        return {}
    exact = {name: Fraction(total * part, weight) for name, part in weights.items()}
    shares = {name: int(value) for name, value in exact.items()}
    left = total - sum(shares.values())
    for name in sorted(exact, key=lambda n: exact[n] - shares[n], reverse=True)[:left]:
        shares[name] += 1
    return shares


def policy_number(policy_id: str, effective: date) -> str:
    """A human-readable number: JC-<effective year>-<last 10 characters of the id, upper case>."""
    return f"JC-{effective.year}-{policy_id[-10:].upper()}"


def coverage_gap(
    policy: Policy, line: str, state: str, trade: str, start: date, end: date
) -> Reason | None:
    """Why this policy does not cover the line for this work, or None when it does."""
    policy_line = policy.lines.get(line)
    if policy_line is None:
        return Reason(code="line_not_on_policy", message=f"Policy {policy.number} has no {line}.")
    # What the program writes comes first: paying a pending policy would not change it.
    if state not in policy_line.states:
        return Reason(
            code="state_not_written",
            message=f"Program {policy_line.program} does not write {state}.",
        )
    if trade not in policy_line.trades:
        return Reason(
            code="trade_not_written",
            message=f"Program {policy_line.program} does not write {trade}.",
        )
    if policy.status == "pending_payment" or policy_line.awaiting_down_payment:
        return Reason(
            code="policy_pending_payment",
            message=f"Policy {policy.number} waits for its down payment; nothing binds until then.",
        )
    if policy.status not in BINDING_STATUSES:
        return Reason(
            code="no_active_policy", message=f"Policy {policy.number} is {policy.status}."
        )
    last_day = policy.expiration_date
    if policy.cancellation is not None:
        last_day = min(last_day, policy.cancellation.effective_date)
    if start < policy.effective_date or end >= last_day:
        return Reason(
            code="outside_policy_term",
            message=f"The window {start}..{end} is outside policy {policy.number}'s term "
            f"{policy.effective_date}..{last_day}.",
        )
    return None
