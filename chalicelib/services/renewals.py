"""Renewals: the next term on the current facts, answers, rules and rates.

The `renewals` job hands each policy due for renewal here. Its quote is made again from the
original quote's request (the application's answers and exposure) with the contractor's current
facts, effective on the old expiration date, through the quote service's own routing (every
program's rules and today's rates). Then:

- every line eligible: the renewal is bound as a new policy with the same number
  (`renewal_of`), committed with the old policy's `renewed_by` (`policy.renewed`);
- some line referred (none declined): the old policy waits as `renewal_pending_review` on the
  quote's referral; the underwriter's approval renews, a decline non-renews;
- some line declined: `non_renewed` with the reasons and a non-renewal notice.

The policy's trade is re-underwritten with its lines, and so is every class added during the term
(`policy.classes`): one renewal quote per added trade, on its lines. An eligible class is carried
into the new term; one that is not is left out, its reasons on the renewal decision
(`class_not_renewed`), and a dispatch of that trade next term is underwritten on the dispatch.

Running twice renews once: a decided policy has left the due index, a concurrent run loses the
version check, and the renewal quote is made under a write scope derived from the policy's
version, so a rerun after a crash finds that quote instead of quoting again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.clock import utc_today
from chalicelib.domain.policies import Policy, PolicyClass, PolicyStatus
from chalicelib.domain.policy_terms import policy_lines, term_figures
from chalicelib.domain.quotes import Quote
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.term import TermRulebook
from chalicelib.jobs.term import DueRecord, Run, Step, skipped
from chalicelib.request_scope import keyed_scope, write_scope
from chalicelib.services.quotes import QuoteInput, QuoteServices


class RenewalPolicies(Protocol):
    def policies_of(self, platform_id: str, contractor_id: str) -> list[Policy]: ...


def renewal_input(
    policy: Policy, original: Quote, trade: str | None = None, lines: tuple[str, ...] = ()
) -> QuoteInput:
    """The original quote's request for the next term: effective on the old expiration date,
    a full term, the same lines, exposure and answers (the application the policy was
    underwritten on, else the quote's). `trade`/`lines`: a class added to the policy, quoted
    on its own lines."""
    raw: dict[str, Any] = dict(original.request)
    raw.update(effective_date=policy.expiration_date.isoformat(), end_date=None)
    application = policy.application or original.application
    operations = application.answers if application else raw.get("operations") or {}
    return QuoteInput(
        contractor=policy.contractor,
        trade=trade or original.trade,
        work_state=original.work_state,
        lines=lines or tuple(policy.lines),
        effective_date=policy.expiration_date,
        end_date=None,
        estimated_annual_pay_cents=original.estimated_annual_pay_cents,
        hourly_wage_cents=raw.get("hourly_wage_cents"),
        customer=original.customer,
        employers_liability_limits=str(raw.get("employers_liability_limits") or "100/500/100"),
        deductible_cents=int(raw.get("deductible_cents") or 0),
        rating_plan=str(raw.get("rating_plan") or "guaranteed_cost"),
        operations={k: v for k, v in dict(operations).items() if v is not None},
        requested_coverages=tuple(raw.get("requested_coverages") or ()),
        raw=raw,
    )


@dataclass(frozen=True)
class RenewalServices:
    quotes: QuoteServices
    policies: RenewalPolicies
    reference: Callable[[], ReferenceData]
    rules: Callable[[], TermRulebook]

    def notice_days(self, policy: Policy) -> int:
        return max(
            self.rules().for_program(line.program).renewal.non_renewal_notice_days
            for line in policy.lines.values()
        )

    # -- the job's handler ------------------------------------------------------------------
    def handle(self, record: DueRecord, run: Run) -> Step:
        """`renewals`: re-underwrite a policy whose renewal window opened and decide."""
        if not isinstance(record, Policy):
            return skipped()
        if record.status != "active" or not record.auto_renew or record.renewal is not None:
            return skipped()
        original = self.quotes.get_quote(record.platform, record.quote)
        scope = keyed_scope(f"renewal|{record.platform}|{record.id}|{record.version}")
        with write_scope(scope):
            quote = self.quotes.create_quote(record.platform, renewal_input(record, original))
        statuses = {line.status for line in quote.lines.values()}
        if statuses == {"eligible"}:
            return Step(self.renewal(record, quote, run.stamp), "renewed")
        if "declined" not in statuses and quote.referral is not None:
            reasons = [
                r
                for line in quote.lines.values()
                for r in line.reasons
                if line.status == "referred"
            ]
            return Step(record.refer_renewal(quote.referral, reasons, run.stamp), "referred")
        reasons = [
            r for line in quote.lines.values() if line.status != "eligible" for r in line.reasons
        ]
        return Step(self.non_renewal(record, reasons, run.as_of, run.stamp), "non_renewed")

    def added_classes(self, policy: Policy, stamp: Stamp) -> tuple[list[PolicyClass], list[Reason]]:
        """Every class added to the policy after its quote, re-underwritten for the next term:
        one renewal quote per trade on its lines (today's rules, rates and the policy's answers).
        An eligible class is carried into the new term; one that is not is left out (a dispatch
        of that trade next term is underwritten on the dispatch again), with its reasons."""
        original = self.quotes.get_quote(policy.platform, policy.quote)
        trades: dict[str, set[str]] = {}
        for added in policy.classes:
            if added.trade != policy.trade:
                trades.setdefault(added.trade, set()).add(added.line)
        carried: list[PolicyClass] = []
        dropped: list[Reason] = []
        for trade, lines in sorted(trades.items()):
            request = renewal_input(policy, original, trade, tuple(sorted(lines)))
            label = f"renewal-class|{policy.platform}|{policy.id}|{policy.version}|{trade}"
            with write_scope(keyed_scope(label)):
                quote = self.quotes.create_quote(policy.platform, request)
            for line, quoted in sorted(quote.lines.items()):
                if quoted.status == "eligible":
                    carried.append(
                        PolicyClass(
                            trade=trade,
                            line=line,
                            added_at=stamp.now,
                            added_by="quote",
                            quote=quote.id,
                        )
                    )
                    continue
                dropped.append(
                    Reason(
                        code="class_not_renewed",
                        message=f"{trade} on {line.upper()} was {quoted.status} when "
                        f"re-underwritten for the renewal (quote {quote.id}); it is not carried "
                        "into the new term: a dispatch of it is underwritten on the dispatch.",
                        guideline=next((r.guideline for r in quoted.reasons if r.guideline), None),
                    )
                )
        return carried, dropped

    def renewal(self, policy: Policy, quote: Quote, stamp: Stamp) -> Change[Policy]:
        """The next term bound from `quote` (its bindable lines), with the same number, and the
        classes added during the term that re-underwrite eligible."""
        carried, dropped = self.added_classes(policy, stamp) if policy.classes else ([], [])
        reference = self.reference()
        lines = policy_lines(quote, reference)
        figures = term_figures(lines, reference, utc_today(stamp.now))
        assert quote.end_date is not None
        status: PolicyStatus = "pending_payment" if figures.down_payment_cents else "active"
        # The new term's classes: its own trade's, and those carried (none listed: the policy
        # predates classes, and its trade is implied).
        own = [
            PolicyClass(
                trade=quote.trade, line=line, added_at=stamp.now, added_by="quote", quote=quote.id
            )
            for line in lines
        ]
        renewal = Policy(
            id=stamp.new_id("pol"),
            number=policy.number,
            platform=policy.platform,
            contractor=policy.contractor,
            quote=quote.id,
            trade=quote.trade,
            lines=lines,
            status=status,
            effective_date=quote.effective_date,
            expiration_date=quote.end_date,
            auto_renew=policy.auto_renew,
            estimated_annual_premium_cents=figures.estimated_annual_premium_cents,
            written_premium_cents=figures.written_premium_cents,
            down_payment_due_cents=figures.down_payment_cents,
            down_payment_due_by=_due_by(figures.down_payment_due_by, quote.effective_date),
            renewal_of=policy.id,
            classes=[*own, *carried] if policy.classes else [],
            created_at=stamp.now,
            updated_at=stamp.now,
        )
        return policy.renew_as(renewal, stamp, dropped)

    def non_renewal(
        self, policy: Policy, reasons: list[Reason], today: date, stamp: Stamp
    ) -> Change[Policy]:
        """Non-renewed with its reasons; the notice takes effect at expiration, or after the
        program's notice days when the decision came late."""
        effective = max(policy.expiration_date, today + timedelta(days=self.notice_days(policy)))
        return policy.non_renew(reasons or _no_reason(), effective, stamp)

    # -- the underwriter's decision on a renewal's referral ------------------------------------
    def decided(self, quote: Quote, approved: bool, stamp: Stamp) -> Change[Policy] | None:
        """A renewal quote's referral was decided: renew (approved) or non-renew (declined) the
        policy waiting on it; None when the quote is not a renewal's."""
        waiting = [
            p
            for p in self.policies.policies_of(quote.platform, quote.contractor)
            if p.status == "renewal_pending_review"
            and p.renewal is not None
            and p.renewal.referral == quote.referral
        ]
        if not waiting:
            return None
        policy = waiting[0]
        if approved:
            return self.renewal(policy, quote, stamp)
        declined = Reason(code="referral_declined", message="The underwriter declined the renewal.")
        return self.non_renewal(policy, [declined], utc_today(stamp.now), stamp)


def _due_by(due_by: date | None, inception: date) -> date | None:
    """A renewal's down payment: five business days out, or before inception if that is later
    (California guidelines § Binding of Coverage: "or prior to the inception date")."""
    if due_by is None:
        return None
    return max(due_by, inception - timedelta(days=1))


def _no_reason() -> list[Reason]:
    return [Reason(code="renewal_not_eligible", message="The renewal is not eligible.")]
