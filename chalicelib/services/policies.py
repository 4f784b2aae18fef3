"""Policies from quotes (the opt-in), and payments against them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.calendar import add_business_days
from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.money import round_cents
from chalicelib.domain.parties import Page
from chalicelib.domain.policies import Payment, Policy, PolicyLine, policy_number
from chalicelib.domain.quotes import Quote
from chalicelib.domain.reference import ReferenceData
from chalicelib.ports import Clock, IdGenerator
from chalicelib.services.lookup import fetch
from chalicelib.services.quotes import QuoteServices


class PolicyRepository(Protocol):
    def add_policy(self, policy: Policy, entries: list[LedgerEntry]) -> None: ...

    def get_policy(self, platform_id: str, policy_id: str) -> Policy | None: ...

    def policies_of(self, platform_id: str, contractor_id: str) -> list[Policy]: ...

    def page(
        self, platform_id: str, contractor_id: str | None, *, limit: int, starting_after: str | None
    ) -> Page[Policy]: ...

    def record_payment(
        self, payment: Payment, policy: Policy, *, expected_version: int
    ) -> None: ...

    def extend_policy(
        self, policy: Policy, *, expected_version: int, entries: Sequence[LedgerEntry]
    ) -> None: ...

    def policy_for_quote(self, platform_id: str, quote_id: str) -> str | None: ...


def policy_lines(quote: Quote, reference: ReferenceData) -> dict[str, PolicyLine]:
    """The quote's bindable lines as policy lines, with the program's states and trades."""
    lines: dict[str, PolicyLine] = {}
    for name, line in quote.bindable_lines().items():
        assert line.program is not None
        program = reference.program(line.program)
        annual = not program.per_dispatch and line.premium is not None
        charges = sum(c.amount_cents for c in line.premium.policy_charges) if line.premium else 0
        lines[name] = PolicyLine(
            program=program.id,
            carrier=program.carrier.model_dump(mode="json", include={"name", "naic"}),
            states=list(program.states),
            trades=list(program.trades),
            per_dispatch=program.per_dispatch,
            el_limits=line.premium.el_limits if line.premium else None,
            quoted_state=line.state,
            quoted_class_code=line.class_code,
            quoted_rate_per_100=str(line.rate_per_100) if line.rate_per_100 is not None else None,
            estimated_annual_premium_cents=line.premium.total_cents
            if annual and line.premium
            else None,
            policy_charges_cents=charges if annual else 0,
            referred_and_approved=line.status == "referred",
        )
    return lines


def _has_down_payment(reference: ReferenceData, program_id: str) -> bool:
    return reference.program(program_id).term.down_payment is not None


@dataclass(frozen=True)
class TermFigures:
    estimated_annual_premium_cents: int | None
    written_premium_cents: int
    down_payment_cents: int | None
    down_payment_due_by: date | None


def term_figures(
    lines: dict[str, PolicyLine], reference: ReferenceData, today: date
) -> TermFigures:
    """Annual lines' estimated premium, written premium (+ term charges) and down payment.

    down payment = round_half_up(line written premium x program pct), due the program's number of
    business days after the request to bind. Per-dispatch lines contribute nothing: their premium
    is earned per assignment.
    """
    annual = [line for line in lines.values() if line.estimated_annual_premium_cents is not None]
    estimated = sum(line.estimated_annual_premium_cents or 0 for line in annual) if annual else None
    written = 0
    down_payment: int | None = None
    due_by: date | None = None
    for line in annual:
        line_written = (line.estimated_annual_premium_cents or 0) + line.policy_charges_cents
        written += line_written
        terms = reference.program(line.program).term.down_payment
        if terms is not None:
            down_payment = (down_payment or 0) + round_cents(
                Decimal(line_written) / 100 * terms.pct
            )
            due_by = add_business_days(today, terms.due_business_days)
    return TermFigures(estimated, written, down_payment, due_by)


@dataclass(frozen=True)
class PolicyServices:
    quotes: QuoteServices
    policies: PolicyRepository
    reference: Callable[[], ReferenceData]
    ids: IdGenerator
    clock: Clock

    def create_policy(self, platform_id: str, quote_id: str) -> Policy:
        quote = self.quotes.get_quote(platform_id, quote_id)
        now = self.clock.now()
        if quote.expires_at <= now:
            raise Conflict(f"Quote {quote.id} expired at {quote.expires_at}.", code="quote_expired")
        reference = self.reference()
        lines = policy_lines(quote, reference)
        if not lines:
            why = (
                "its referral is not approved"
                if quote.referral_status in {"open", "declined"}
                else "no line is eligible"
            )
            raise Conflict(f"Quote {quote.id} cannot be bound: {why}.", code="quote_not_bindable")
        assert quote.end_date is not None
        policy_id = self.ids.new("pol")
        figures = term_figures(lines, reference, utc_today(now))
        entries = self._term_charges(platform_id, quote.contractor, policy_id, lines, now)
        policy = Policy(
            id=policy_id,
            number=policy_number(policy_id, quote.effective_date),
            platform=platform_id,
            contractor=quote.contractor,
            quote=quote.id,
            trade=quote.trade,
            lines=lines,
            status="pending_payment" if figures.down_payment_cents else "active",
            effective_date=quote.effective_date,
            expiration_date=quote.end_date,
            estimated_annual_premium_cents=figures.estimated_annual_premium_cents,
            written_premium_cents=figures.written_premium_cents,
            down_payment_due_cents=figures.down_payment_cents,
            down_payment_due_by=figures.down_payment_due_by,
            created_at=now,
            updated_at=now,
        )
        self.policies.add_policy(policy, entries)
        return policy

    def _term_charges(
        self,
        platform_id: str,
        contractor: str,
        policy_id: str,
        lines: dict[str, PolicyLine],
        now: datetime,
    ) -> list[LedgerEntry]:
        """A `policy_charge` per annual line: its estimated annual premium and term charges."""
        return [
            LedgerEntry(
                id=self.ids.new("led"),
                platform=platform_id,
                type="policy_charge",
                amount_cents=line.estimated_annual_premium_cents + line.policy_charges_cents,
                contractor=contractor,
                policy=policy_id,
                line=name,
                at=now,
                memo=f"{line.program}: estimated annual premium and term charges "
                "(guaranteed cost, adjusted by final audit)",
            )
            for name, line in lines.items()
            if line.estimated_annual_premium_cents is not None
        ]

    def adopt_approved_lines(self, platform_id: str, quote_id: str) -> Policy | None:
        """After an approval: lines of an already-bound quote join the policy the tech opted into.

        The contractor accepted the quote's terms when the eligible lines were bound; the
        underwriter's approval is what the referred lines were waiting for. A down payment they
        bring is added to what is due (and follows the program's due date).
        """
        policy_id = self.policies.policy_for_quote(platform_id, quote_id)
        if policy_id is None:
            return None
        policy = self.get_policy(platform_id, policy_id)
        quote = self.quotes.get_quote(platform_id, quote_id)
        reference = self.reference()
        lines = policy_lines(quote, reference)
        added = {
            name: line.model_copy(
                update={"awaiting_down_payment": _has_down_payment(reference, line.program)}
            )
            for name, line in lines.items()
            if name not in policy.lines
        }
        if not added:
            return policy
        now = self.clock.now()
        merged = {**policy.lines, **added}
        figures = term_figures(merged, reference, utc_today(now))
        updated = policy.model_copy(
            update={
                "lines": merged,
                "estimated_annual_premium_cents": figures.estimated_annual_premium_cents,
                "written_premium_cents": figures.written_premium_cents,
                "down_payment_due_cents": figures.down_payment_cents,
                "down_payment_due_by": policy.down_payment_due_by or figures.down_payment_due_by,
                "updated_at": now,
                "version": policy.version + 1,
            }
        )
        entries = self._term_charges(platform_id, policy.contractor, policy.id, added, now)
        self.policies.extend_policy(updated, expected_version=policy.version, entries=entries)
        return updated

    def get_policy(self, platform_id: str, policy_id: str) -> Policy:
        return fetch(
            "policy", "pol", policy_id, lambda: self.policies.get_policy(platform_id, policy_id)
        )

    def list_policies(
        self, platform_id: str, contractor_id: str | None, limit: int, starting_after: str | None
    ) -> Page[Policy]:
        return self.policies.page(
            platform_id, contractor_id, limit=limit, starting_after=starting_after
        )

    def pay(self, platform_id: str, policy_id: str, amount_cents: int, reference: str) -> Payment:
        """A payment reduces the balance; paying the down payment activates a pending policy."""
        policy = self.get_policy(platform_id, policy_id)
        if policy.status in {"cancelled", "rescinded", "expired", "non_renewed"}:
            raise Conflict(f"Policy {policy.number} is {policy.status}.", code="policy_closed")
        if amount_cents > policy.balance_due_cents:
            raise ValidationFailed(
                f"Payment of {amount_cents} cents exceeds the balance due "
                f"({policy.balance_due_cents} cents).",
                details=[{"loc": ["body", "amount_cents"], "msg": "more than the balance due"}],
            )
        now = self.clock.now()
        paid = policy.paid_cents + amount_cents
        status = policy.status
        lines = policy.lines
        if paid >= (policy.down_payment_due_cents or 0):
            if status == "pending_payment":
                status = "active"
            lines = {
                name: line.model_copy(update={"awaiting_down_payment": False})
                for name, line in policy.lines.items()
            }
        payment = Payment(
            id=self.ids.new("pay"),
            platform=platform_id,
            policy=policy.id,
            amount_cents=amount_cents,
            reference=reference,
            created_at=now,
        )
        updated = policy.model_copy(
            update={
                "paid_cents": paid,
                "status": status,
                "lines": lines,
                "updated_at": now,
                "version": policy.version + 1,
            }
        )
        self.policies.record_payment(payment, updated, expected_version=policy.version)
        return payment
