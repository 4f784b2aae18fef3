"""Policies from quotes (the opt-in), and payments against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import Conflict
from chalicelib.domain.parties import Page
from chalicelib.domain.policies import Payment, Policy, PolicyClass, policy_number
from chalicelib.domain.policy_terms import lines_joining, policy_lines, term_figures
from chalicelib.domain.quotes import Quote
from chalicelib.domain.reference import ReferenceData
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.services.commit import Retry, commit_with_retries, concurrent_update
from chalicelib.services.lookup import fetch
from chalicelib.services.quotes import QuoteServices

if TYPE_CHECKING:
    from chalicelib.services.certificates import CertificateServices

PAY_RETRY = Retry(attempts=3, base_seconds=0.02)


class PolicyRepository(Protocol):
    def get_policy(self, platform_id: str, policy_id: str) -> Policy | None: ...

    def get_payment(self, platform_id: str, payment_id: str) -> Payment | None: ...

    def policies_of(self, platform_id: str, contractor_id: str) -> list[Policy]: ...

    def page(
        self, platform_id: str, contractor_id: str | None, *, limit: int, starting_after: str | None
    ) -> Page[Policy]: ...

    def policy_for_quote(self, platform_id: str, quote_id: str) -> str | None: ...


@dataclass(frozen=True)
class PolicyServices:
    quotes: QuoteServices
    policies: PolicyRepository
    uow: Callable[[], UnitOfWork]
    reference: Callable[[], ReferenceData]
    ids: IdGenerator
    clock: Clock
    # The policy's standing certificate follows its changes (None: not issued, as in tests).
    certificates: CertificateServices | None = None
    retry: Retry = PAY_RETRY

    def _stamp(self) -> Stamp:
        return Stamp(self.clock.now(), self.ids.new)

    def _certified(self, change: Change[Policy]) -> Change[Policy]:
        return change if self.certificates is None else self.certificates.with_policy(change)

    def after_commit(self, change: Change[Any]) -> None:
        if self.certificates is not None:
            self.certificates.after_commit(change)

    def create_policy(
        self, platform_id: str, quote_id: str, attested_by: str | None = None
    ) -> Policy:
        """The opt-in: the quote's bindable lines become a policy, bound once per quote.

        `attested_by`: the key whose `accept_terms` attests the contractor gave the answers."""
        uow = self.uow()
        if (earlier := uow.committed_before()) is not None:
            return self.get_policy(earlier.platform, earlier.id)
        quote = self.quotes.get_quote(platform_id, quote_id)
        stamp = self._stamp()
        if quote.expires_at <= stamp.now:
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
        figures = term_figures(lines, reference, utc_today(stamp.now))
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
            application=quote.application.model_copy(
                update={"attested_by": attested_by, "attested_at": stamp.now}
            )
            if quote.application
            else None,
            classes=[
                PolicyClass(
                    trade=quote.trade,
                    line=line,
                    added_at=stamp.now,
                    added_by="quote",
                    quote=quote.id,
                )
                for line in lines
            ],
            created_at=stamp.now,
            updated_at=stamp.now,
        )
        change = self._certified(policy.bound(stamp))
        uow.record(change)
        if (earlier := uow.commit(ObjectRef("policy", platform_id, policy.id))) is not None:
            return self.get_policy(earlier.platform, earlier.id)
        self.after_commit(change)
        return policy

    def adoption(self, quote: Quote, stamp: Stamp) -> Change[Policy] | None:
        """After an approval: the approved lines of an already-bound quote join its policy
        (committed with the decision); None when the quote is not bound yet or adds nothing."""
        policy_id = self.policies.policy_for_quote(quote.platform, quote.id)
        if policy_id is None:
            return None
        policy = self.get_policy(quote.platform, policy_id)
        reference = self.reference()
        added = lines_joining(policy, quote, reference)
        if not added:
            return None
        figures = term_figures({**policy.lines, **added}, reference, utc_today(stamp.now))
        return self._certified(policy.adopt(added, figures, stamp))

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
        """A payment reduces the balance; paying the down payment activates a pending policy.

        A concurrent payment is re-read and the balance checked again (never paid twice)."""

        def attempt(uow: UnitOfWork) -> tuple[Change[Policy], ObjectRef]:
            policy = self.get_policy(platform_id, policy_id)
            change = self._certified(policy.pay(amount_cents, reference, self._stamp()))
            uow.record(change)
            return change, ObjectRef("payment", platform_id, change.related[0].state.id)

        done = commit_with_retries(
            self.uow,
            attempt,
            self.retry,
            concurrent_update(
                f"Policy {policy_id} kept changing; retry the payment with the same "
                "Idempotency-Key."
            ),
        )
        if done.change is None:
            assert done.earlier is not None
            return self._payment(done.earlier)
        self.after_commit(done.change)
        payment: Payment = done.change.related[0].state
        return payment

    def _payment(self, ref: ObjectRef) -> Payment:
        return fetch(
            "payment", "pay", ref.id, lambda: self.policies.get_payment(ref.platform, ref.id)
        )
