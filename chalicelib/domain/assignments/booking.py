"""The ledger entries an assignment's lines book: premium estimates, per-job waiver charges,
adjustments and refunds. Entry ids come from the transition's `Stamp`.

A line's booked premium is split in two: its premium (per-dispatch programs only: annual
programs' premium is the policy's, trued up at audit) and its per-job waiver charge (booked as
`waiver_charge`, under either kind of program). Waivers one of which covers many jobs book on
their own account (domain/waivers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.assignments.lines import LineCoverage
from chalicelib.domain.change import Stamp
from chalicelib.domain.ledger import EntryType, LedgerEntry
from chalicelib.domain.rating import WAIVER_CODES, PremiumBreakdown


def waiver_part_cents(premium: PremiumBreakdown | None) -> int:
    """The per-job waiver charges in a line's premium."""
    if premium is None:
        return 0
    return sum(e.charge_cents for e in premium.endorsements if e.code in WAIVER_CODES)


def booked_cents(premium: PremiumBreakdown | None, per_dispatch: bool) -> int:
    """What a bound line books: per-dispatch, its whole premium; annual, its per-job waiver."""
    if premium is None:
        return 0
    return premium.total_cents if per_dispatch else waiver_part_cents(premium)


@dataclass(frozen=True)
class Books:
    """Who an assignment's entries belong to."""

    platform: str
    contractor: str
    assignment: str
    stamp: Stamp

    def entry(
        self, line: str, covered: LineCoverage, kind: EntryType, amount_cents: int, memo: str
    ) -> LedgerEntry:
        return LedgerEntry(
            id=self.stamp.new_id("led"),
            platform=self.platform,
            type=kind,
            amount_cents=amount_cents,
            contractor=self.contractor,
            assignment=self.assignment,
            policy=covered.policy,
            line=line,
            at=self.stamp.now,
            memo=memo,
        )

    def newly_bound(self, line: str, covered: LineCoverage) -> list[LedgerEntry]:
        """A newly bound line's entries: its premium estimate and its per-job waiver charge."""
        if covered.status != "bound" or covered.premium is None:
            return []
        premium = covered.premium
        waiver = waiver_part_cents(premium)
        entries: list[LedgerEntry] = []
        if covered.per_dispatch:
            entries.append(
                self.entry(
                    line,
                    covered,
                    "premium_estimate",
                    premium.total_cents - waiver,
                    f"{line.upper()} {covered.class_code} {covered.state}: "
                    f"pay ${premium.basis_cents / 100:,.2f} at {covered.rate_per_100}/100, "
                    "EL, mod and endorsements as in the breakdown",
                )
            )
        if waiver:
            entries.append(
                self.entry(line, covered, "waiver_charge", waiver, _waiver_memo(covered))
            )
        return entries

    def adjusted(
        self, line: str, before: LineCoverage, after: LineCoverage, memo: str
    ) -> list[LedgerEntry]:
        """A bound line re-rated: the premium's and the per-job waiver's differences."""
        waiver = waiver_part_cents(after.premium) - waiver_part_cents(before.premium)
        premium = after.premium_cents - before.premium_cents - waiver
        entries: list[LedgerEntry] = []
        if premium:
            entries.append(self.entry(line, after, "premium_adjustment", premium, memo))
        if waiver:
            entries.append(
                self.entry(line, after, "waiver_charge", waiver, f"{_waiver_memo(after)}; {memo}")
            )
        return entries


def _waiver_memo(covered: LineCoverage) -> str:
    waiver = covered.waiver
    if waiver is None:
        return "waiver of subrogation, per job"
    return (
        f"{waiver.code} ({waiver.form}), per job: max({waiver.pct * 100:.4g}% of "
        f"${waiver.covered_premium_cents / 100:,.2f}, ${waiver.minimum_cents / 100:,.2f})"
    )
