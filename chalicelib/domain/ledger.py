"""The premium ledger: append-only entries; an assignment's premium is the sum of its entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

EntryType = Literal[
    "premium_estimate",
    "premium_adjustment",
    "refund",
    "waiver_charge",
    "policy_charge",
    "return_premium",
    "audit_adjustment",
]


class LedgerEntry(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    type: EntryType
    amount_cents: int
    contractor: str
    assignment: str | None = None
    policy: str | None = None
    line: str | None = None
    at: datetime
    memo: str


def total_cents(entries: Iterable[LedgerEntry]) -> int:
    """sum(amount_cents) over the entries: exact integer cents."""
    return sum(entry.amount_cents for entry in entries)


def premium_by_line(entries: Iterable[LedgerEntry]) -> dict[str, int]:
    """Each line's premium so far: the sum of that line's entries."""
    totals: dict[str, int] = {}
    for entry in entries:
        if entry.line is not None:
            totals[entry.line] = totals.get(entry.line, 0) + entry.amount_cents
    return totals


# A running total `GET /v1/ledger` answers without reading entries: (platform, filter, value), the
# filter "contractor", "policy" or "assignment", or None with None for the platform's whole ledger.
TotalScope = tuple[str, str | None, str | None]


def total_scopes(entry: LedgerEntry) -> list[TotalScope]:
    """The running totals an entry counts toward: its platform's, its contractor's, and its
    policy's and assignment's when it has them."""
    scopes: list[TotalScope] = [
        (entry.platform, None, None),
        (entry.platform, "contractor", entry.contractor),
    ]
    if entry.policy is not None:
        scopes.append((entry.platform, "policy", entry.policy))
    if entry.assignment is not None:
        scopes.append((entry.platform, "assignment", entry.assignment))
    return scopes


def running_totals(entries: Iterable[LedgerEntry]) -> dict[TotalScope, tuple[int, int]]:
    """What entries add to each running total: (sum of amount_cents, number of entries)."""
    totals: dict[TotalScope, tuple[int, int]] = {}
    for entry in entries:
        for scope in total_scopes(entry):
            cents, count = totals.get(scope, (0, 0))
            totals[scope] = (cents + entry.amount_cents, count + 1)
    return totals
