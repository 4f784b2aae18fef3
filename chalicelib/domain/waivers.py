"""Waivers of subrogation that cover many jobs: one endorsement per customer-of-record per policy
term (the multistate program's specific waiver), charged as a floor over the jobs it covers.

    charge = max(round_half_up(pct x the covered jobs' live premium), minimum)
           = 0 while no job is under it, unless one has started (then the minimum is earned)

`CustomerWaivers` is the aggregate: a contractor's endorsements for one customer on one line, one
`WaiverTerm` per policy term, each holding its jobs' live covered premium and what has been
charged. After every change to a covered job (bind, PATCH, complete on actuals, cancel, an
approval) the term's charge is recomputed and the difference booked as `waiver_charge`
(`waiver_changes`), in the job's commit. Per-job endorsements (California's, GL's) are charged
with the job itself (rating/premium.py). API.md "Assignments".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.rating import endorsement_charge_cents
from chalicelib.domain.rating.formatting import dollars, pct

if TYPE_CHECKING:
    from chalicelib.domain.assignments.aggregate import Assignment

WaiverKey = tuple[str, str]  # (customer, line)


class WaiverTerm(BaseModel):
    """One endorsement: a customer's specific waiver on one line for one policy term."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    program: str
    code: str
    form: str
    pct: Decimal
    minimum_cents: int
    jobs: dict[str, int] = {}  # live jobs under it -> their covered premium, cents
    started: bool = False  # a job under it has started: the minimum is earned
    charged_cents: int = 0

    def due_cents(self, jobs: Mapping[str, int] | None = None, started: bool | None = None) -> int:
        """charge = max(pct x live covered premium, minimum); 0 with no job unless one started."""
        live = self.jobs if jobs is None else jobs
        if not live and not (self.started if started is None else started):
            return 0
        return endorsement_charge_cents(sum(live.values()), self.pct, self.minimum_cents)

    def with_job(self, assignment: str, covered_cents: int) -> int:
        """The charge were `assignment` under it with this covered premium (what a dispatch
        shows before it binds)."""
        return self.due_cents({**self.jobs, assignment: covered_cents})


class CustomerWaivers(BaseModel):
    """A contractor's waivers for one customer-of-record on one line, per policy term."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    platform: str
    contractor: str
    customer: str
    line: str
    terms: dict[str, WaiverTerm] = {}
    version: int = 0  # 0: not stored yet

    @property
    def id(self) -> str:
        return f"{self.contractor}#{self.customer}#{self.line}"

    def updated(
        self,
        shares: Mapping[str, Mapping[str, Share | None]],
        stamp: Stamp,
        memo: str,
    ) -> Change[CustomerWaivers] | None:
        """Each policy term's jobs as `shares` say (None: no longer under it), its charge
        recomputed and the difference booked; None when nothing moved."""
        terms = dict(self.terms)
        entries: list[LedgerEntry] = []
        for policy, jobs in shares.items():
            term = terms.get(policy)
            for assignment, share in jobs.items():
                if term is None:
                    if share is None or not share.live:
                        continue
                    term = share.new_term()
                live = dict(term.jobs)
                if share is not None and share.live:
                    live[assignment] = share.covered_cents
                else:
                    live.pop(assignment, None)
                started = term.started or (share is not None and share.started)
                term = term.model_copy(update={"jobs": live, "started": started})
            if term is None:
                continue
            due = term.due_cents()
            if due != term.charged_cents:
                entries.append(self._entry(policy, term, due - term.charged_cents, stamp, memo))
                term = term.model_copy(update={"charged_cents": due})
            terms[policy] = term
        if terms == self.terms:
            return None
        updated = self.model_copy(update={"terms": terms, "version": self.version + 1})
        expected = self.version if self.version else None
        return Change(updated, expected_version=expected, entries=tuple(entries))

    def _entry(
        self, policy: str, term: WaiverTerm, amount: int, stamp: Stamp, memo: str
    ) -> LedgerEntry:
        covered = sum(term.jobs.values())
        return LedgerEntry(
            id=stamp.new_id("led"),
            platform=self.platform,
            type="waiver_charge",
            amount_cents=amount,
            contractor=self.contractor,
            policy=policy,
            line=self.line,
            at=stamp.now,
            memo=f"{term.code} ({term.form}) for customer {self.customer}: "
            f"max({dollars(covered)} x {pct(term.pct)}, {dollars(term.minimum_cents)})"
            f"{'' if term.jobs or term.started else ' released: no job under it'}; {memo}",
        )


@dataclass(frozen=True)
class Share:
    """A job's place under one endorsement: its covered premium, and whether it is live (bound,
    not cancelled) and has started."""

    covered_cents: int
    live: bool
    started: bool
    program: str
    code: str
    form: str
    pct: Decimal
    minimum_cents: int

    def new_term(self) -> WaiverTerm:
        return WaiverTerm(
            program=self.program,
            code=self.code,
            form=self.form,
            pct=self.pct,
            minimum_cents=self.minimum_cents,
        )


def shares_of(assignment: Assignment) -> dict[tuple[str, str, str], Share]:
    """(customer, line, policy) -> the assignment's share of each endorsement over many jobs."""
    if assignment.customer is None:
        return {}
    found: dict[tuple[str, str, str], Share] = {}
    for line, covered in assignment.coverage.items():
        waiver = covered.waiver
        if waiver is None or waiver.scope == "per_job" or covered.policy is None:
            continue
        if covered.status not in ("bound", "cancelled"):
            continue
        live = covered.status == "bound"
        found[(assignment.customer, line, covered.policy)] = Share(
            covered_cents=waiver.covered_premium_cents if live else 0,
            live=live,
            started=assignment.started_at is not None,
            program=waiver.program,
            code=waiver.code,
            form=waiver.form,
            pct=waiver.pct,
            minimum_cents=waiver.minimum_cents,
        )
    return found


def waiver_keys(before: Assignment | None, after: Assignment) -> set[WaiverKey]:
    """The (customer, line) accounts a change to this assignment may move."""
    keys = set(shares_of(after))
    if before is not None:
        keys |= set(shares_of(before))
    return {(customer, line) for customer, line, _ in keys}


def waiver_changes(
    before: Assignment | None,
    after: Assignment,
    accounts: Mapping[WaiverKey, CustomerWaivers],
    stamp: Stamp,
) -> list[Change[CustomerWaivers]]:
    """The endorsement accounts this assignment change moves, each with its booked difference."""
    old = shares_of(before) if before is not None else {}
    new = shares_of(after)
    grouped: dict[WaiverKey, dict[str, dict[str, Share | None]]] = {}
    for key in set(old) | set(new):
        if old.get(key) == new.get(key):
            continue
        customer, line, policy = key
        grouped.setdefault((customer, line), {}).setdefault(policy, {})[after.id] = new.get(key)
    changes: list[Change[CustomerWaivers]] = []
    for (customer, line), shares in sorted(grouped.items()):
        account = accounts.get((customer, line)) or CustomerWaivers(
            platform=after.platform, contractor=after.contractor, customer=customer, line=line
        )
        change = account.updated(shares, stamp, f"after {after.id} ({after.status})")
        if change is not None:
            changes.append(change)
    return changes


def projected_charge(
    account: CustomerWaivers | None, policy: str, assignment: str, share: Share
) -> int:
    """The endorsement's charge with this job under it (shown before the job binds)."""
    term = account.terms.get(policy) if account is not None else None
    return (term or share.new_term()).with_job(assignment, share.covered_cents)
