"""Policies: the tech opts in once; a policy with a term window covers every later dispatch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field

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
