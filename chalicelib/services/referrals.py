"""An underwriter's decision on a referral, and its effect, in one commit.

Approving a quote's referral makes its referred lines bindable (and adds them to the policy when
the quote is already bound); deciding a dispatch's referral binds or uncovers its referred lines.
The decision and its effect are one transaction: neither is ever recorded without the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.domain.assignments import Decision
from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.parties import Principal
from chalicelib.domain.quotes import Referral, priced_at_approved_factor
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.services.assignments import AssignmentServices
from chalicelib.services.commit import Retry, commit_with_retries, concurrent_update
from chalicelib.services.lookup import fetch
from chalicelib.services.policies import PolicyServices
from chalicelib.services.quotes import QuoteServices

if TYPE_CHECKING:
    from chalicelib.services.renewals import RenewalServices

DECIDE_RETRY = Retry(attempts=5)


@dataclass(frozen=True)
class ReferralServices:
    quotes: QuoteServices
    assignments: AssignmentServices
    policies: PolicyServices
    uow: Callable[[], UnitOfWork]
    ids: IdGenerator
    clock: Clock
    # A renewal's referral: the decision renews or non-renews the policy waiting on it.
    renewals: RenewalServices | None = None
    retry: Retry = DECIDE_RETRY

    def get(self, referral_id: str) -> Referral:
        return fetch(
            "referral", "ref", referral_id, lambda: self.quotes.quotes.get_referral(referral_id)
        )

    def decide(
        self,
        referral_id: str,
        decision: str,
        note: str | None,
        underwriter: Principal,
        el_limits_factor: Decimal | None = None,
    ) -> Referral:
        """Approve or decline, with the effect on the quote, its policy or the dispatch.

        A concurrent change to the subject (a PATCH, a cancel, a payment) is re-read and the
        decision applied to what is there now: an approval is never lost."""
        status: Decision = "approved" if decision == "approve" else "declined"
        effects: list[Change[Any]] = []  # the dispatch or policy change this attempt decided

        def attempt(uow: UnitOfWork) -> tuple[Change[Referral], ObjectRef]:
            effects.clear()
            referral = self.get(referral_id)
            stamp = Stamp(self.clock.now(), self.ids.new)
            factor = str(el_limits_factor) if el_limits_factor is not None else None
            decided = referral.decide(status, note, underwriter.key_id, stamp.now, factor)
            if referral.assignment is not None and el_limits_factor is not None:
                raise ValidationFailed(
                    "el_limits_factor prices a quote's EL limits; a dispatch's referral has none.",
                    details=[{"loc": ["body", "el_limits_factor"], "msg": "not for a dispatch"}],
                )
            uow.record(decided)
            if referral.assignment is not None:
                current = self.assignments.get(referral.platform, referral.assignment)
                effect = self.assignments.decide_referral(current, status, stamp)
                uow.record(effect)
                effects.append(effect)
            elif referral.quote is not None:
                quote = self.quotes.get_quote(referral.platform, referral.quote)
                repriced = priced_at_approved_factor(
                    quote, el_limits_factor, status == "approved", self.policies.reference()
                )
                settled = quote.referral_decided(status, repriced)
                uow.record(settled)
                if status == "approved":
                    adoption = self.policies.adoption(settled.state, stamp)
                    if adoption is not None:
                        uow.record(adoption)
                        effects.append(adoption)
                if self.renewals is not None:
                    renewal = self.renewals.decided(settled.state, status == "approved", stamp)
                    if renewal is not None:
                        uow.record(renewal)
            return decided, ObjectRef("referral", referral.platform, referral.id)

        done = commit_with_retries(
            self.uow,
            attempt,
            self.retry,
            concurrent_update(
                f"Referral {referral_id}'s subject kept changing; retry the decision "
                "(with the same Idempotency-Key)."
            ),
        )
        if done.change is None:
            assert done.earlier is not None
            return self.get(done.earlier.id)
        for effect in effects:
            self.assignments.after_commit(effect)  # the certificate the decision issued
        return done.change.state
