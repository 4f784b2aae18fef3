"""A dispatch that binds a trade the policy was not underwritten for adds the class to the
policy, in the same commit as the dispatch (or as the underwriter's approval that binds it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from chalicelib.domain.assignments.lines import LineCoverage
from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.clock import utc_today
from chalicelib.domain.policies import ClassSource, Policy, PolicyClass, PolicyLine
from chalicelib.domain.policy_terms import term_figures
from chalicelib.domain.rating import policy_charges
from chalicelib.domain.reference import ReferenceData

if TYPE_CHECKING:
    from chalicelib.domain.assignments.aggregate import Assignment


def newly_bound_classes(
    before: Assignment | None, after: Assignment
) -> dict[str, list[tuple[str, LineCoverage]]]:
    """Lines bound by this change for a trade not on their policy, per policy id."""
    found: dict[str, list[tuple[str, LineCoverage]]] = {}
    for line, covered in after.coverage.items():
        if not covered.new_class or covered.status != "bound" or covered.policy is None:
            continue
        earlier = before.coverage.get(line) if before is not None else None
        if earlier is not None and earlier.status == "bound":
            continue
        found.setdefault(covered.policy, []).append((line, covered))
    return found


def classes_joining(
    before: Assignment | None,
    after: Assignment,
    policies: Sequence[Policy],
    reference: ReferenceData,
    added_by: ClassSource,
    stamp: Stamp,
) -> list[Change[Policy]]:
    """The policy changes that add the classes this assignment change binds."""
    bound = newly_bound_classes(before, after)
    changes: list[Change[Policy]] = []
    for policy in policies:
        lines = bound.get(policy.id)
        if not lines:
            continue
        added = [
            PolicyClass(
                trade=after.trade,
                line=line,
                added_at=stamp.now,
                added_by=added_by,
                assignment=after.id,
                referral=after.referral if added_by == "referral" else None,
                estimated_annual_premium_cents=_annual_exposure(covered),
            )
            for line, covered in lines
        ]
        raised = {
            line: _raised_line(policy.lines[line], covered, reference)
            for line, covered in lines
            if not covered.per_dispatch
        }
        figures = (
            term_figures({**policy.lines, **raised}, reference, _today(stamp)) if raised else None
        )
        changes.append(policy.add_classes(added, raised, figures, stamp))
    return changes


def _annual_exposure(covered: LineCoverage) -> int | None:
    """Annual programs: the class's premium on the job's pay, the exposure known so far (the
    final audit trues it up); per-dispatch programs earn premium per job instead."""
    if covered.per_dispatch or covered.premium is None:
        return None
    return covered.premium.total_cents


def _raised_line(
    policy_line: PolicyLine, covered: LineCoverage, reference: ReferenceData
) -> PolicyLine:
    """estimated annual premium += the class's exposure; term charges recomputed on the new
    premium at the higher of the quoted and the new class's rate."""
    program = reference.program(policy_line.program)
    estimated = (policy_line.estimated_annual_premium_cents or 0) + (_annual_exposure(covered) or 0)
    rates = [Decimal(policy_line.quoted_rate_per_100)] if policy_line.quoted_rate_per_100 else []
    if covered.rate_per_100 is not None:
        rates.append(covered.rate_per_100)
    rate = max(rates, default=Decimal(0))
    charges = sum(c.amount_cents for c in policy_charges(program, estimated, rate))
    return policy_line.model_copy(
        update={"estimated_annual_premium_cents": estimated, "policy_charges_cents": charges}
    )


def _today(stamp: Stamp) -> date:
    return utc_today(stamp.now)
