"""A policy's parts and neighbours: statuses, lines, classes, term figures, payments, and the
coverage check a dispatch runs against a policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.reasons import Reason

if TYPE_CHECKING:
    from chalicelib.domain.policies.aggregate import Policy

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
    # EL limits above the program's table: the factor the underwriter approved (a decimal text).
    el_limits_factor: str | None = None
    """EL limits above the program's table: the factor the underwriter approved."""
    # A line added to an active policy (by an approval) that brought a down payment: it binds
    # nothing until that is paid, while the policy's other lines go on binding.
    awaiting_down_payment: bool = False
    """A line added by an approval that binds nothing until its down payment is paid."""

    def approved_el_factor(self) -> Decimal | None:
        """The EL factor an underwriter approved for limits above the table, if any."""
        return Decimal(self.el_limits_factor) if self.el_limits_factor else None


ClassSource = Literal["quote", "dispatch", "referral"]


class PolicyClass(BaseModel):
    """A trade the policy was underwritten for on one line, and when and how it was added:
    with the quote, on a dispatch that underwrote it (eligible), or by an underwriter's approval
    of a dispatch's referral."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    trade: str
    """The trade underwritten."""
    line: str
    """The line it was underwritten on (`wc`, `gl`)."""
    added_at: datetime
    """When it joined the policy."""
    added_by: ClassSource
    """How: `quote`, `dispatch` (underwritten eligible on a dispatch) or `referral` (an underwriter
    approved it)."""
    quote: str | None = None
    """The quote it came with, if any."""
    assignment: str | None = None
    """The dispatch that underwrote it, if any."""
    referral: str | None = None
    """The referral whose approval added it, if any."""
    # Annual programs: the class's estimated annual premium added to the term's (exposure so far).
    estimated_annual_premium_cents: int | None = None
    """Annual programs: the estimated annual premium it added to the term."""


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
    if policy.cancellation is not None:
        last_day = min(last_day, policy.cancellation.effective_date)
    if start < policy.effective_date or end >= last_day:
        return Reason(
            code="outside_policy_term",
            message=f"The window {start}..{end} is outside policy {policy.number}'s term "
            f"{policy.effective_date}..{last_day}.",
        )
    return None
