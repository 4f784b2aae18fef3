"""The fixed, typed fact set every underwriting rule is evaluated over.

Facts are program-independent: the quote service builds one `UnderwritingFacts` per line from the
contractor record, the quote request and the rating result, and every program's rulebook reads the
same facts. Nothing here reads a clock: `bind_date` is today's UTC date passed in by the caller.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EntityType = Literal["sole_proprietor", "llc", "corporation", "partnership"]
TinType = Literal["ssn", "fein"]
PriorCoverageStatus = Literal["none", "current", "lapsed"]
ContractorType = Literal["contractor", "artisan", "landscape", "non_contractor"]
WaiverKind = Literal["none", "specific", "blanket"]
Channel = Literal["online", "underwriter"]
RequestedCoverage = Literal[
    "uslh",
    "jones_act",
    "defense_base_act",
    "outer_continental_shelf",
    "nonappropriated_fund",
    "federal_coal_mine",
    "fela",
    "foreign",
    "voluntary_wc",
]

GUARANTEED_COST = "guaranteed_cost"


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class PriorCoverage(_Facts):
    """Prior workers' compensation coverage; a lapse is a gap between two periods of coverage."""

    status: PriorCoverageStatus = "none"
    lapse_start: date | None = None
    lapse_end: date | None = None
    # Whether the gap is explained in writing (cancellation / non-renewal notice, dated statement).
    # Unknown (None) counts as documented when the gap is at least dated (lapse_start given).
    lapse_documented: bool | None = None


class Loss(_Facts):
    """One individual loss from the applicant's loss history."""

    date: date
    amount_cents: int = Field(ge=0)
    description: str | None = Field(default=None, max_length=2000)


class ContractorFacts(_Facts):
    """The named insured: the contractor record's underwriting facts."""

    entity_type: EntityType
    tin_type: TinType
    has_employees: bool
    employee_count: int | None = Field(default=None, ge=0)
    years_in_business: Decimal = Field(ge=0)
    experience_mod: Decimal = Field(default=Decimal("1.00"), gt=0)
    prior_coverage: PriorCoverage = PriorCoverage()
    losses: tuple[Loss, ...] = ()
    loss_data_valued_on: date | None = None
    material_change_in_operations: bool | None = None


class OperationsFacts(_Facts):
    """The applicant's whole-business operations (the quote's optional `operations` block)."""

    description: str = Field(default="", max_length=2000)
    max_height_feet: Decimal | None = Field(default=None, ge=0)
    max_depth_feet: Decimal | None = Field(default=None, ge=0)
    subcontracted_pay_pct: Decimal | None = Field(default=None, ge=0, le=100)
    cash_labor_pct: Decimal | None = Field(default=None, ge=0, le=100)
    total_payroll_cents: int | None = Field(default=None, ge=0)
    employee_count: int | None = Field(default=None, ge=0)


class EmployersLiabilityLimits(_Facts):
    """Employer's liability limits in thousands: accident / disease policy / disease employee."""

    each_accident: int = Field(default=100, gt=0)
    disease_policy_limit: int = Field(default=500, gt=0)
    disease_each_employee: int = Field(default=100, gt=0)

    @classmethod
    def parse(cls, limits: str) -> EmployersLiabilityLimits:
        """Parse the API's "A/B/C" form, e.g. "100/500/100" (thousands of dollars)."""
        parts = limits.split("/")
        if len(parts) != 3 or not all(part.strip().isdigit() for part in parts):
            raise ValueError(
                f"employer's liability limits must look like 100/500/100, not {limits!r}"
            )
        accident, policy, employee = (int(part) for part in parts)
        return cls(
            each_accident=accident, disease_policy_limit=policy, disease_each_employee=employee
        )

    def __str__(self) -> str:
        return f"{self.each_accident}/{self.disease_policy_limit}/{self.disease_each_employee}"


class WaiverRequest(_Facts):
    """A requested waiver of subrogation on WC."""

    kind: WaiverKind = "none"
    # The job information the California guidelines require on a waiver certificate; None: not
    # known yet (a quote has no job), so no rule fires on it.
    job_details_complete: bool | None = None
    # The waiver would apply from a job start earlier than the day it is requested.
    backdated: bool = False
    no_loss_letter_signed: bool = False


class UnderwritingFacts(_Facts):
    """Everything a rulebook may ask about one line of one quote (or renewal, or assignment)."""

    state: str = Field(pattern=r"^[A-Z]{2}$")
    trade: str = Field(min_length=1, max_length=80)
    contractor_type: ContractorType
    preferred_class: bool
    contractor: ContractorFacts
    operations: OperationsFacts = OperationsFacts()
    requested_coverages: frozenset[RequestedCoverage] = frozenset()
    rating_plan: str = Field(default=GUARANTEED_COST, min_length=1, max_length=40)
    effective_date: date
    expiration_date: date | None = None
    bind_date: date
    employers_liability_limits: EmployersLiabilityLimits = EmployersLiabilityLimits()
    deductible_cents: int = Field(default=0, ge=0)
    estimated_premium_cents: int = Field(ge=0)
    modified_premium_cents: int = Field(ge=0)
    waiver: WaiverRequest = WaiverRequest()
    additional_insured_requested_on_wc: bool = False
    channel: Channel = "online"
