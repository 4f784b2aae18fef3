"""Named facts: the only vocabulary rule conditions and message templates may use.

Each name maps to a kind (how values compare and print) and an extractor over `UnderwritingFacts`.
Derived facts (for example `backdated`, `employee_count`) are computed here, once, so rule files
never repeat the derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from chalicelib.domain.money import cents_to_dollars
from chalicelib.domain.underwriting.facts import UnderwritingFacts

FactKind = Literal[
    "money", "factor", "decimal", "percent", "feet", "count", "days", "boolean", "text", "date",
    "set", "description",
]  # fmt: skip
FactValue = Decimal | int | bool | str | date | frozenset[str] | None

NUMERIC_KINDS: frozenset[FactKind] = frozenset(
    {"money", "factor", "decimal", "percent", "feet", "count", "days"}
)


@dataclass(frozen=True)
class FactSpec:
    """How to read one named fact and how it compares and prints."""

    kind: FactKind
    read: Callable[[UnderwritingFacts], FactValue]
    meaning: str


def _employee_count(facts: UnderwritingFacts) -> int | None:
    """operations.employee_count wins over the contractor record (API.md); 0 without employees."""
    if facts.operations.employee_count is not None:
        return facts.operations.employee_count
    if facts.contractor.employee_count is not None:
        return facts.contractor.employee_count
    return None if facts.contractor.has_employees else 0


def _coverage_gap_documented(facts: UnderwritingFacts) -> bool | None:
    """A lapse is documented when said so, or (unknown) when its start is at least dated."""
    prior = facts.contractor.prior_coverage
    if prior.status != "lapsed":
        return None
    if prior.lapse_documented is not None:
        return prior.lapse_documented
    return prior.lapse_start is not None


def _largest_undescribed_loss_cents(facts: UnderwritingFacts) -> int | None:
    """The largest individual loss that has no written description, if any."""
    amounts = [
        loss.amount_cents
        for loss in facts.contractor.losses
        if not (loss.description and loss.description.strip())
    ]
    return max(amounts, default=None)


def _loss_data_age_days(facts: UnderwritingFacts) -> int | None:
    """Days between the loss data's valuation date and the bind date."""
    valued_on = facts.contractor.loss_data_valued_on
    return None if valued_on is None else (facts.bind_date - valued_on).days


def _days_backdated(facts: UnderwritingFacts) -> int:
    """days = max(bind_date - effective_date, 0); same-day binds are not backdated."""
    return max((facts.bind_date - facts.effective_date).days, 0)


def _short_term(facts: UnderwritingFacts) -> bool | None:
    """True when the term ends before the 12-month anniversary of the effective date."""
    if facts.expiration_date is None:
        return None
    start = facts.effective_date
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = start.replace(year=start.year + 1, day=28)
    return facts.expiration_date < anniversary


def _highest_el_limit(facts: UnderwritingFacts) -> int:
    limits = facts.employers_liability_limits
    return max(limits.each_accident, limits.disease_policy_limit, limits.disease_each_employee)


FACTS: dict[str, FactSpec] = {
    "state": FactSpec("text", lambda f: f.state, "work state, 2 letters"),
    "trade": FactSpec("text", lambda f: f.trade, "canonical trade code"),
    "contractor_type": FactSpec("text", lambda f: f.contractor_type, "ICW contractor type"),
    "preferred_class": FactSpec("boolean", lambda f: f.preferred_class, "preferred class code"),
    "entity_type": FactSpec("text", lambda f: f.contractor.entity_type, "legal form"),
    "tin_type": FactSpec("text", lambda f: f.contractor.tin_type, "ssn or fein"),
    "has_employees": FactSpec("boolean", lambda f: f.contractor.has_employees, "has employees"),
    "employee_count": FactSpec("count", _employee_count, "whole-business employee count"),
    "years_in_business": FactSpec(
        "decimal", lambda f: f.contractor.years_in_business, "years in business"
    ),
    "experience_mod": FactSpec("factor", lambda f: f.contractor.experience_mod, "experience mod"),
    "prior_coverage_status": FactSpec(
        "text", lambda f: f.contractor.prior_coverage.status, "none, current or lapsed"
    ),
    "lapse_start": FactSpec("date", lambda f: f.contractor.prior_coverage.lapse_start, "gap start"),
    "lapse_end": FactSpec("date", lambda f: f.contractor.prior_coverage.lapse_end, "gap end"),
    "coverage_gap_documented": FactSpec(
        "boolean", _coverage_gap_documented, "lapse explained in writing (None: no lapse)"
    ),
    "largest_undescribed_loss_cents": FactSpec(
        "money", _largest_undescribed_loss_cents, "largest loss without a written description"
    ),
    "loss_data_age_days": FactSpec("days", _loss_data_age_days, "days since loss valuation"),
    "material_change_in_operations": FactSpec(
        "boolean",
        lambda f: f.contractor.material_change_in_operations,
        "material change in operations in the past three years",
    ),
    "operations_description": FactSpec(
        "description", lambda f: f.operations.description, "description of operations"
    ),
    "max_height_feet": FactSpec("feet", lambda f: f.operations.max_height_feet, "working height"),
    "max_depth_feet": FactSpec("feet", lambda f: f.operations.max_depth_feet, "digging depth"),
    "subcontracted_pay_pct": FactSpec(
        "percent", lambda f: f.operations.subcontracted_pay_pct, "share of subcontracted payroll"
    ),
    "cash_labor_pct": FactSpec(
        "percent", lambda f: f.operations.cash_labor_pct, "share of cash/casual/day labor"
    ),
    "total_payroll_cents": FactSpec(
        "money", lambda f: f.operations.total_payroll_cents, "whole-business annual payroll"
    ),
    "requested_coverages": FactSpec(
        "set", lambda f: frozenset(f.requested_coverages), "requested federal/other coverages"
    ),
    "rating_plan": FactSpec("text", lambda f: f.rating_plan, "rating plan"),
    "effective_date": FactSpec("date", lambda f: f.effective_date, "requested effective date"),
    "bind_date": FactSpec("date", lambda f: f.bind_date, "today (UTC), the day of binding"),
    "days_backdated": FactSpec("days", _days_backdated, "days the effective date is in the past"),
    "short_term": FactSpec("boolean", _short_term, "term shorter than 12 months"),
    "el_limits": FactSpec(
        "text", lambda f: str(f.employers_liability_limits), "EL limits A/B/C in thousands"
    ),
    "el_highest_limit_thousands": FactSpec(
        "count", _highest_el_limit, "highest of the three EL limits, thousands"
    ),
    "deductible_cents": FactSpec("money", lambda f: f.deductible_cents, "per-claim deductible"),
    "estimated_premium_cents": FactSpec(
        "money", lambda f: f.estimated_premium_cents, "estimated annual premium"
    ),
    "modified_premium_cents": FactSpec(
        "money", lambda f: f.modified_premium_cents, "annual premium after the experience mod"
    ),
    "waiver_kind": FactSpec("text", lambda f: f.waiver.kind, "none, specific or blanket"),
    "waiver_job_details_complete": FactSpec(
        "boolean", lambda f: f.waiver.job_details_complete, "waiver job information complete"
    ),
    "waiver_backdated": FactSpec("boolean", lambda f: f.waiver.backdated, "waiver backdated"),
    "waiver_no_loss_letter_signed": FactSpec(
        "boolean", lambda f: f.waiver.no_loss_letter_signed, "signed no-loss letter on file"
    ),
    "additional_insured_requested_on_wc": FactSpec(
        "boolean", lambda f: f.additional_insured_requested_on_wc, "AI requested on WC"
    ),
    "channel": FactSpec("text", lambda f: f.channel, "online bind or underwriter"),
}


def coerce_value(kind: FactKind, raw: object) -> FactValue:
    """Turn a JSON condition value into the fact's comparable type (raises ValueError)."""
    if kind in NUMERIC_KINDS:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ValueError(f"a {kind} value must be a number or a decimal string, not {raw!r}")
        try:
            number = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValueError(f"a {kind} value must be a decimal number, not {raw!r}") from exc
        if not number.is_finite():
            raise ValueError(f"a {kind} value must be finite, not {raw!r}")
        return number
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"a boolean value must be true or false, not {raw!r}")
        return raw
    if kind == "date":
        return date.fromisoformat(str(raw))
    if not isinstance(raw, str):
        raise ValueError(f"a {kind} value must be a string, not {raw!r}")
    return raw


def format_value(kind: FactKind, value: FactValue) -> str:
    """Print a fact value the way an underwriter reads it ("$250,000.01", "51%", "2.05")."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    number = Decimal(value)
    if kind == "money":
        return f"${cents_to_dollars(int(number)):,.2f}"
    if kind == "factor":
        return f"{number:.2f}"
    plain = format(number.normalize(), "f")
    if kind == "percent":
        return f"{plain}%"
    if kind == "feet":
        return f"{plain} feet"
    if kind == "days":
        return f"{plain} day" if plain == "1" else f"{plain} days"
    return f"{int(number):,}" if kind == "count" else plain
