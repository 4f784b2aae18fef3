"""The policy aggregate: bound from a quote, lines adopted on approval, classes added on
dispatch, payments; its term transitions are in `term.py` (the methods below delegate)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ledger import EntryType, LedgerEntry
from chalicelib.domain.policies import term as _term
from chalicelib.domain.policies.records import (
    CLOSED_STATUSES,
    Payment,
    PolicyClass,
    PolicyLine,
    PolicyStatus,
    TermFigures,
)
from chalicelib.domain.reasons import Reason
from chalicelib.domain.term.cancellation import CancellationPlan
from chalicelib.domain.term.records import (
    Cancellation,
    FinalAudit,
    Notice,
    RenewalDecision,
)
from chalicelib.domain.underwriting.application import ApplicationRecord


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
    # The answers the policy was underwritten on, attested by `accept_terms` (API.md).
    application: ApplicationRecord | None = None
    # The trades underwritten per line; a dispatch for any other trade is underwritten first.
    classes: list[PolicyClass] = []
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
        joined = [
            PolicyClass(
                trade=self.trade, line=name, added_at=stamp.now, added_by="quote", quote=self.quote
            )
            for name in added
        ]
        updated = self.model_copy(
            update={
                "lines": {**self.lines, **added},
                "classes": [*self._classes_now(), *joined],
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

    def underwritten_for(self, trade: str, line: str) -> bool:
        """Whether the trade was underwritten on this line (the quoted trade, or a class added)."""
        if not self.classes:
            return trade == self.trade
        return any(c.trade == trade and c.line == line for c in self.classes)

    def add_classes(
        self,
        added: list[PolicyClass],
        lines: dict[str, PolicyLine],
        figures: TermFigures | None,
        stamp: Stamp,
    ) -> Change[Policy]:
        """Trades underwritten on a dispatch join the policy (`policy.class_added`), committed
        with the dispatch that adds them. Annual lines carry their raised estimated premium and
        term charges (`figures`), the difference booked as a `policy_charge`."""
        fresh = [c for c in added if not self.underwritten_for(c.trade, c.line)]
        changes: dict[str, object] = {
            "classes": [*self._classes_now(), *fresh],
            "lines": {**self.lines, **lines},
            "updated_at": stamp.now,
            "version": self.version + 1,
        }
        entries: list[LedgerEntry] = []
        if figures is not None:
            changes |= {
                "estimated_annual_premium_cents": figures.estimated_annual_premium_cents,
                "written_premium_cents": figures.written_premium_cents,
                "down_payment_due_cents": figures.down_payment_cents,
            }
            raised = figures.written_premium_cents - self.written_premium_cents
            if raised:
                entries.append(
                    LedgerEntry(
                        id=stamp.new_id("led"),
                        platform=self.platform,
                        type="policy_charge",
                        amount_cents=raised,
                        contractor=self.contractor,
                        policy=self.id,
                        line=next(iter(lines), None),
                        at=stamp.now,
                        memo="class added: "
                        + ", ".join(f"{c.trade} ({c.line.upper()})" for c in fresh)
                        + "; estimated annual premium and term charges raised",
                    )
                )
        updated = self.model_copy(update=changes)
        return Change(
            updated,
            expected_version=self.version,
            entries=tuple(entries),
            events=(updated.event("policy.class_added"),) if fresh else (),
        )

    def _classes_now(self) -> list[PolicyClass]:
        if self.classes:
            return list(self.classes)
        return [
            PolicyClass(
                trade=self.trade,
                line=line,
                added_at=self.created_at,
                added_by="quote",
                quote=self.quote,
            )
            for line in self.lines
        ]

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

    # -- the term: cancel, reinstate, rescind, expire, audit, renew (term.py; rules in domain/term/)
    def cancel(
        self, plan: CancellationPlan, stamp: Stamp, *, assignments_cancelled: int = 0
    ) -> Change[Policy]:
        """Effective now: `cancelled` with its return premium; later: `cancellation_pending`."""
        return _term.cancel(self, plan, stamp, assignments_cancelled=assignments_cancelled)

    def cancellation_takes_effect(self, stamp: Stamp) -> Change[Policy]:
        """A scheduled cancellation's date came: `cancelled`, return premium booked."""
        return _term.cancellation_takes_effect(self, stamp)

    def reinstate(self, stamp: Stamp, rebind_due_by: date | None = None) -> Change[Policy]:
        """Withdraw a scheduled cancellation, undo one, or bind a rescinded policy again."""
        return _term.reinstate(self, stamp, rebind_due_by)

    def rescind(self, today: date, stamp: Stamp, guideline: str | None) -> Change[Policy]:
        """The down payment never came: the bind is undone from its start."""
        return _term.rescind(self, today, stamp, guideline)

    def expire(self, stamp: Stamp) -> Change[Policy]:
        """The term ran its course: `expired`."""
        return _term.expire(self, stamp)

    def request_final_audit(self, audit: FinalAudit, stamp: Stamp) -> Change[Policy]:
        """An ended annual term's audit is asked for (`audit.requested`)."""
        return _term.request_final_audit(self, audit, stamp)

    def requested_audit(self) -> FinalAudit:
        """The final audit waiting to be completed, or Conflict."""
        return _term.requested_audit(self)

    def complete_final_audit(
        self,
        audited_pay_cents: dict[str, int],
        audited_premium_by_line: dict[str, int],
        completed_at: datetime,
        stamp: Stamp,
    ) -> Change[Policy]:
        """Premium on audited pay; the difference booked per line (`audit.completed`)."""
        return _term.complete_final_audit(
            self, audited_pay_cents, audited_premium_by_line, completed_at, stamp
        )

    def renew_as(
        self, renewal: Policy, stamp: Stamp, dropped: list[Reason] | None = None
    ) -> Change[Policy]:
        """The next term, bound with the same number (`policy.renewed`)."""
        return _term.renew_as(self, renewal, stamp, dropped)

    def refer_renewal(self, referral: str, reasons: list[Reason], stamp: Stamp) -> Change[Policy]:
        """Re-underwriting referred: `renewal_pending_review` until an underwriter decides."""
        return _term.refer_renewal(self, referral, reasons, stamp)

    def non_renew(
        self, reasons: list[Reason], notice_effective: date, stamp: Stamp
    ) -> Change[Policy]:
        """No longer qualifies: `non_renewed` with a notice; the term stays in force."""
        return _term.non_renew(self, reasons, notice_effective, stamp)
