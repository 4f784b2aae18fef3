"""Cancelling a policy (API.md "Policy term lifecycle"): who may, from when, and the premium.

- A platform cancels only at the insured's request (short rate; default effective today). The
  company's reasons (pro rata) are the underwriter's or admin's, effective no earlier than the
  longest notice period of the policy's programs for that reason, each with a notice recorded.
- On or before inception: flat. Any effective date is today or later and before expiration.
- Each annual line's written premium (estimated annual premium + term charges) splits into
  earned and returned by its program's method and rounding (`earned.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.term.earned import Earned, days_in_force, flat, pro_rata, short_rate
from chalicelib.domain.term.records import Cancellation, LineReturn, Notice
from chalicelib.domain.term.rules import INSURED_REQUEST, CancelReason, Role, TermRulebook

if TYPE_CHECKING:
    from chalicelib.domain.policies import Policy

CANCELLABLE = frozenset({"active", "pending_payment", "non_renewed", "renewal_pending_review"})


@dataclass(frozen=True)
class CancellationRequest:
    reason: CancelReason
    effective_date: date | None
    role: Role


@dataclass(frozen=True)
class CancellationPlan:
    cancellation: Cancellation
    notice: Notice | None


def _date_refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"loc": ["body", "effective_date"], "msg": message}])


def notice_days(policy: Policy, reason: str, rulebook: TermRulebook) -> int:
    """The longest notice any of the policy's programs requires for a company reason."""
    return max(
        rulebook.for_program(line.program).cancellation.notice_days[reason]
        for line in policy.lines.values()
    )


def plan_cancellation(
    policy: Policy,
    request: CancellationRequest,
    rulebook: TermRulebook,
    today: date,
    now: datetime,
) -> CancellationPlan:
    """Validate a cancellation and work out its method, earned and return premium, and notice."""
    if policy.status == "cancellation_pending":
        raise Conflict(
            f"Policy {policy.number} already has a cancellation scheduled for "
            f"{policy.cancellation.effective_date if policy.cancellation else '?'}; reinstate it "
            "to withdraw that one first.",
            code="cancellation_pending",
        )
    if policy.status not in CANCELLABLE:
        raise Conflict(
            f"Policy {policy.number} is {policy.status}; it cannot be cancelled.",
            code="policy_not_cancellable",
        )
    company = request.reason != INSURED_REQUEST
    if company and request.role == "platform":
        raise Forbidden(
            f"A platform may cancel only at the insured's request ({INSURED_REQUEST}); "
            f"{request.reason} is the company's reason, for the underwriter or an admin."
        )
    notice = notice_days(policy, request.reason, rulebook) if company else 0
    earliest = today + timedelta(days=notice)
    effective = request.effective_date or earliest
    if effective < today:
        raise _date_refused(f"effective_date may not be in the past (today is {today}).")
    if effective < earliest:
        raise _date_refused(
            f"{request.reason} needs {notice} days' notice: effective_date {earliest} at the "
            "earliest."
        )
    if effective >= policy.expiration_date:
        raise _date_refused(
            f"effective_date must be before the expiration date {policy.expiration_date}."
        )
    if effective <= policy.effective_date:
        method = "flat"
    elif company:
        method = "pro_rata"
    else:
        method = "short_rate"
    lines = {
        name: _line_return(policy, name, method, effective, rulebook)
        for name, line in policy.lines.items()
        if line.estimated_annual_premium_cents is not None
    }
    earned = sum(line.earned_cents for line in lines.values())
    returned = sum(line.return_premium_cents for line in lines.values())
    sections = [
        rulebook.for_program(line.program) for line in policy.lines.values() if line.program
    ]
    guideline = next(
        (
            cited
            for rules in sections
            if (
                cited := rules.cite(
                    rules.cancellation.pro_rata_section
                    if company
                    else rules.cancellation.short_rate_section
                )
            )
        ),
        None,
    )
    cancellation = Cancellation(
        reason=request.reason,
        effective_date=effective,
        method=method,
        earned_cents=earned,
        return_premium_cents=returned,
        status="effective" if effective <= today else "scheduled",
        requested_by=request.role,
        requested_at=now,
        prior_status=policy.status,
        lines=lines,
    )
    sent = (
        Notice(
            kind="cancellation",
            reason=request.reason,
            sent_at=now,
            effective_date=effective,
            guideline=guideline,
        )
        if company
        else None
    )
    return CancellationPlan(cancellation, sent)


def _line_return(
    policy: Policy, name: str, method: str, effective: date, rulebook: TermRulebook
) -> LineReturn:
    line = policy.lines[name]
    written = (line.estimated_annual_premium_cents or 0) + line.policy_charges_cents
    term_days = (policy.expiration_date - policy.effective_date).days
    days = days_in_force(policy.effective_date, policy.expiration_date, effective)
    split: Earned
    if method == "flat":
        split = flat(written)
    elif method == "short_rate":
        split = short_rate(written, days, term_days, rulebook.short_rate)
    else:
        rounding = rulebook.for_program(line.program).cancellation.pro_rata_return_rounding
        split = pro_rata(written, days, term_days, rounding)
    return LineReturn(
        written_cents=split.written_cents,
        earned_cents=split.earned_cents,
        return_premium_cents=split.return_cents,
    )
