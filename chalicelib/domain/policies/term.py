"""A policy's term transitions: cancel, reinstate, rescind, expire, final audit, renew (the
rules that decide them are in domain/term/). `Policy`'s methods of the same names call these:
the aggregate keeps one interface, the term's bookkeeping lives here."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.errors import Conflict
from chalicelib.domain.reasons import Reason
from chalicelib.domain.term.cancellation import CancellationPlan
from chalicelib.domain.term.records import (
    FinalAudit,
    Notice,
    RenewalDecision,
)

if TYPE_CHECKING:
    from chalicelib.domain.policies.aggregate import Policy


def cancel(
    policy: Policy, plan: CancellationPlan, stamp: Stamp, *, assignments_cancelled: int = 0
) -> Change[Policy]:
    """A cancellation (planned by domain/term/cancellation.py): effective now, it books the
    return premium (`policy.cancelled`); later, the policy is `cancellation_pending` until
    then (`policy.cancellation_scheduled`). A company reason's notice is recorded."""
    cancellation = plan.cancellation.model_copy(
        update={"assignments_cancelled": assignments_cancelled}
    )
    notices = [*policy.notices, plan.notice] if plan.notice else list(policy.notices)
    if cancellation.status == "scheduled":
        updated = policy._next(
            stamp, status="cancellation_pending", cancellation=cancellation, notices=notices
        )
        return Change(
            updated,
            expected_version=policy.version,
            events=(updated.event("policy.cancellation_scheduled"),),
        )
    updated = policy._next(
        stamp,
        status="cancelled",
        cancellation=cancellation,
        notices=notices,
        returned_premium_cents=policy.returned_premium_cents + cancellation.return_premium_cents,
    )
    return Change(
        updated,
        expected_version=policy.version,
        entries=tuple(policy._return_entries(cancellation, -1, stamp)),
        events=(updated.event("policy.cancelled"),),
    )


def cancellation_takes_effect(policy: Policy, stamp: Stamp) -> Change[Policy]:
    """A scheduled cancellation's date arrived: cancelled, return premium booked."""
    if policy.status != "cancellation_pending" or policy.cancellation is None:
        raise Conflict(f"Policy {policy.number} has no scheduled cancellation.")
    cancellation = policy.cancellation.model_copy(update={"status": "effective"})
    updated = policy._next(
        stamp,
        status="cancelled",
        cancellation=cancellation,
        returned_premium_cents=policy.returned_premium_cents + cancellation.return_premium_cents,
    )
    return Change(
        updated,
        expected_version=policy.version,
        entries=tuple(policy._return_entries(cancellation, -1, stamp)),
        events=(updated.event("policy.cancelled"),),
    )


def reinstate(policy: Policy, stamp: Stamp, rebind_due_by: date | None = None) -> Change[Policy]:
    """Undo a cancellation (domain/term/reinstatement.py checked the program's rules first):
    a scheduled one is withdrawn, an effective one's return premium re-booked; a rescinded
    bind is bound again, its charges re-booked and a new down payment date set. Assignments
    cancelled with the policy stay cancelled (the platform dispatches them again)."""
    if policy.status == "rescinded":
        entries = policy.term_charges(policy.lines, stamp)
        written = sum(entry.amount_cents for entry in entries)
        due = policy.down_payment_due_cents or 0
        paid_up = policy.paid_cents >= due
        updated = policy._next(
            stamp,
            status="active" if paid_up else "pending_payment",
            written_premium_cents=written,
            down_payment_due_by=policy.down_payment_due_by if paid_up else rebind_due_by,
        )
        return Change(
            updated,
            expected_version=policy.version,
            entries=tuple(entries),
            events=(updated.event("policy.reinstated"),),
        )
    cancellation = policy.cancellation
    if cancellation is None or policy.status not in {"cancellation_pending", "cancelled"}:
        raise Conflict(f"Policy {policy.number} is {policy.status}.", code="not_cancelled")
    entries = policy._return_entries(cancellation, 1, stamp) if policy.status == "cancelled" else []
    returned = cancellation.return_premium_cents if policy.status == "cancelled" else 0
    audit = (
        policy.final_audit
        if policy.final_audit and policy.final_audit.status == "completed"
        else None
    )
    updated = policy._next(
        stamp,
        status=cancellation.prior_status,
        cancellation=None,
        final_audit=audit,
        returned_premium_cents=policy.returned_premium_cents - returned,
    )
    return Change(
        updated,
        expected_version=policy.version,
        entries=tuple(entries),
        events=(updated.event("policy.reinstated"),),
    )


def rescind(policy: Policy, today: date, stamp: Stamp, guideline: str | None) -> Change[Policy]:
    """The down payment is past due: the bind is undone (Rescinding Bind Notice), its policy
    charges and estimated premium reversed by negative entries of the same type."""
    due_by = policy.down_payment_due_by
    if policy.status != "pending_payment" or due_by is None or today <= due_by:
        raise Conflict(f"Policy {policy.number} has no down payment past due.")
    entries = [
        policy._entry(
            "policy_charge",
            -entry.amount_cents,
            entry.line or "",
            f"bind rescinded: down payment not received by {due_by} (Rescinding Bind "
            "Notice); policy charges and estimated premium reversed",
            stamp,
        )
        for entry in policy.term_charges(policy.lines, stamp)
    ]
    notice = Notice(
        kind="rescinding_bind",
        reason="down_payment_not_received",
        sent_at=stamp.now,
        effective_date=today,
        guideline=guideline,
    )
    updated = policy._next(
        stamp, status="rescinded", written_premium_cents=0, notices=[*policy.notices, notice]
    )
    return Change(
        updated,
        expected_version=policy.version,
        entries=tuple(entries),
        events=(updated.event("policy.rescinded"),),
    )


def expire(policy: Policy, stamp: Stamp) -> Change[Policy]:
    """The term ended (00:00 UTC on the expiration date): `expired`."""
    if policy.status not in {"active", "non_renewed", "renewal_pending_review"}:
        raise Conflict(f"Policy {policy.number} is {policy.status}; it does not expire.")
    updated = policy._next(stamp, status="expired")
    return Change(
        updated, expected_version=policy.version, events=(updated.event("policy.expired"),)
    )


def request_final_audit(policy: Policy, audit: FinalAudit, stamp: Stamp) -> Change[Policy]:
    """The term ended: its final audit is requested (`audit.requested`)."""
    if policy.final_audit is not None:
        raise Conflict(f"Policy {policy.number} already has its final audit.")
    updated = policy._next(stamp, final_audit=audit)
    return Change(
        updated, expected_version=policy.version, events=(updated.event("audit.requested"),)
    )


def requested_audit(policy: Policy) -> FinalAudit:
    """The final audit waiting to be completed, or Conflict."""
    audit = policy.final_audit
    if audit is None or audit.status != "requested":
        raise Conflict(
            f"Policy {policy.number} has no final audit waiting to be completed.",
            code="no_audit_requested",
        )
    return audit


def complete_final_audit(
    policy: Policy,
    audited_pay_cents: dict[str, int],
    audited_premium_by_line: dict[str, int],
    completed_at: datetime,
    stamp: Stamp,
) -> Change[Policy]:
    """Premium on audited pay; the difference from the estimated premium the term earned is
    booked per line as `audit_adjustment` (`audit.completed`)."""
    audit = policy.requested_audit()
    audited = sum(audited_premium_by_line.values())
    adjustment = audited - audit.estimated_premium_cents
    estimated_by_line = _shares(
        audit.estimated_premium_cents,
        {
            name: line.estimated_annual_premium_cents or 0
            for name, line in policy.lines.items()
            if name in audited_premium_by_line
        },
    )
    entries = [
        policy._entry(
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
    updated = policy._next(
        stamp,
        final_audit=completed,
        audit_adjustment_cents=policy.audit_adjustment_cents
        + sum(entry.amount_cents for entry in entries),
    )
    return Change(
        updated,
        expected_version=policy.version,
        entries=tuple(entries),
        events=(updated.event("audit.completed"),),
    )


# -- renewal --------------------------------------------------------------------------
def renew_as(
    policy: Policy, renewal: Policy, stamp: Stamp, dropped: list[Reason] | None = None
) -> Change[Policy]:
    """The next term, bound from its renewal quote (`renewal_of` this policy, the same
    number), committed with this policy's `renewed_by` (`policy.renewed`). `dropped`: why a
    class added during the term was not carried into the new one."""
    if policy.renewed_by is not None:
        raise Conflict(f"Policy {policy.number} was already renewed by {policy.renewed_by}.")
    decision = RenewalDecision(
        status="renewed", decided_at=stamp.now, policy=renewal.id, reasons=dropped or []
    )
    status = "active" if policy.status == "renewal_pending_review" else policy.status
    updated = policy._next(stamp, renewed_by=renewal.id, renewal=decision, status=status)
    bound = renewal.bound(stamp)
    new_term = Change(
        bound.state,
        expected_version=None,
        entries=bound.entries,
        events=(*bound.events, renewal.event("policy.renewed")),
    )
    return Change(updated, expected_version=policy.version, related=(new_term,))


def refer_renewal(
    policy: Policy, referral: str, reasons: list[Reason], stamp: Stamp
) -> Change[Policy]:
    """Re-underwriting referred: the renewal waits for an underwriter
    (`renewal_pending_review`, `policy.renewal_referred`); the term stays in force."""
    decision = RenewalDecision(
        status="referred", decided_at=stamp.now, referral=referral, reasons=reasons
    )
    updated = policy._next(stamp, status="renewal_pending_review", renewal=decision)
    return Change(
        updated,
        expected_version=policy.version,
        events=(updated.event("policy.renewal_referred"),),
    )


def non_renew(
    policy: Policy, reasons: list[Reason], notice_effective: date, stamp: Stamp
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
    updated = policy._next(
        stamp, status="non_renewed", renewal=decision, notices=[*policy.notices, notice]
    )
    return Change(
        updated,
        expected_version=policy.version,
        events=(updated.event("policy.non_renewed"),),
    )


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
