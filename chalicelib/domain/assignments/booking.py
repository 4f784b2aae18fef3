"""The ledger entries an assignment's lines book: premium estimates, waiver minimums,
adjustments and refunds. Entry ids come from the transition's `Stamp`."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.assignments.lines import LineCoverage
from chalicelib.domain.change import Stamp
from chalicelib.domain.ledger import EntryType, LedgerEntry


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
        """A newly bound line's entries: its premium estimate, and the waiver minimum if booked.

        Annual programs book nothing per job: their premium is the policy's, trued up at audit.
        """
        if covered.status != "bound" or covered.premium is None or not covered.per_dispatch:
            return []
        premium = covered.premium
        entries = [
            self.entry(
                line,
                covered,
                "premium_estimate",
                premium.total_cents,
                f"{line.upper()} {covered.class_code} {covered.state}: "
                f"pay ${premium.basis_cents / 100:,.2f} at {covered.rate_per_100}/100, "
                "EL, mod and endorsements as in the breakdown",
            )
        ]
        entries += [
            self.entry(
                line,
                covered,
                "waiver_charge",
                charge.amount_cents,
                f"{charge.code}: program minimum, once per customer per term",
            )
            for charge in premium.term_charges
        ]
        return entries
