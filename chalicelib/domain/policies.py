"""Policies: the tech opts in once; a policy with a term window covers every later dispatch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field

from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.reasons import Reason

PolicyStatus = Literal[
    "pending_payment",
    "active",
    "cancellation_pending",
    "cancelled",
    "rescinded",
    "expired",
    "non_renewed",
]
# Statuses under which new assignments bind (a pending cancellation still covers until it takes
# effect; the service checks the window against the cancellation date).
BINDING_STATUSES = frozenset({"active", "cancellation_pending"})


class PolicyLine(BaseModel):
    """One line of a policy: the program that writes it and what was quoted."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    program: str
    carrier: dict[str, Any]
    states: list[str]
    trades: list[str]
    per_dispatch: bool
    el_limits: str | None = None
    quoted_state: str
    quoted_class_code: str | None = None
    quoted_rate_per_100: str | None = None
    estimated_annual_premium_cents: int | None = None
    policy_charges_cents: int = 0
    referred_and_approved: bool = False
    # A line added to an active policy (by an approval) that brought a down payment: it binds
    # nothing until that is paid, while the policy's other lines go on binding.
    awaiting_down_payment: bool = False


@dataclass(frozen=True)
class TermFigures:
    """A term's annual figures (domain/policy_terms.py computes them)."""

    estimated_annual_premium_cents: int | None
    written_premium_cents: int
    down_payment_cents: int | None
    down_payment_due_by: date | None


CLOSED_STATUSES = frozenset({"cancelled", "rescinded", "expired", "non_renewed"})


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
    final_audit: dict[str, Any] | None = None
    cancellation: dict[str, Any] | None = None
    renewal_of: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balance_due_cents(self) -> int:
        """balance = written term premium - payments (per-assignment premium is billed per job)."""
        return self.written_premium_cents - self.paid_cents

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


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    policy: str
    amount_cents: int
    reference: str
    created_at: datetime


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
    if policy.cancellation and policy.cancellation.get("effective_date"):
        last_day = min(last_day, date.fromisoformat(str(policy.cancellation["effective_date"])))
    if start < policy.effective_date or end >= last_day:
        return Reason(
            code="outside_policy_term",
            message=f"The window {start}..{end} is outside policy {policy.number}'s term "
            f"{policy.effective_date}..{last_day}.",
        )
    return None
