"""programs.json: carrier programs, their charges, endorsements, EL levels and term rules."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, model_validator

from chalicelib.domain.reference.data_file import DataFile, Frozen, Line, StateCode


class Carrier(Frozen):
    name: str
    """The insurance company."""
    naic: Annotated[str, Field(pattern=r"^\d{5}$")] | None = None
    """Its NAIC company code, when known."""
    naic_verified: bool
    """Whether the NAIC code was checked (false: sample data)."""
    sample: bool = False
    """Whether the carrier is sample data."""
    source: str
    """Where the carrier's data comes from."""


EndorsementScope = Literal["per_job", "per_customer_per_term", "per_term"]
PremiumBase = Literal["modified", "manual"]


class EndorsementTerms(Frozen):
    """A program's endorsement: charge = max(pct x the premium it covers, minimum), the minimum a
    floor, not an addition (API.md "Assignments").

    scope: what one endorsement covers: `per_job` (each job its own, charged with the job),
    `per_customer_per_term` (one per customer-of-record per policy term, over that customer's
    jobs) or `per_term` (blanket: one per policy term). premium_base: the premium the percentage
    applies to: `modified` (WC premium after EL and mod; GL premium) or `manual` (the premium
    "developed" by rate x payroll).
    """

    code: str
    form: str
    description: str
    pct: Decimal = Field(ge=0, le=1)
    minimum_cents: int = Field(ge=0)
    scope: EndorsementScope
    premium_base: PremiumBase = "modified"
    unavailable_states: tuple[StateCode, ...] = ()
    sample: bool = False
    guideline_section: str
    source: str


class ElLimitsLevel(Frozen):
    """A tabulated employer's liability limits level (thousands) and its increased-limits factor."""

    limits: str = Field(pattern=r"^\d+/\d+/\d+$")
    factor: Decimal = Field(ge=1)

    def components(self) -> tuple[int, int, int]:
        each_accident, policy_limit, each_employee = (int(part) for part in self.limits.split("/"))
        return each_accident, policy_limit, each_employee


class MinimumPremiumRule(Frozen):
    """NCCI style: minimum = rate_per_100 x rate_multiplier (+ expense constant), capped."""

    rate_multiplier: Decimal = Field(gt=0)
    add_expense_constant: bool
    cap_cents: int | None = Field(default=None, gt=0)
    sample: bool
    source: str


class ProgramCharges(Frozen):
    expense_constant_cents: int = Field(ge=0)
    minimum_premium: MinimumPremiumRule | None
    el_increased_limits: tuple[ElLimitsLevel, ...]
    el_source: str
    endorsements: tuple[EndorsementTerms, ...]
    source: str


class DownPayment(Frozen):
    pct: Decimal = Field(gt=0, le=1)
    pct_sample: bool
    due_business_days: int = Field(gt=0)
    source: str


class FinalAudit(Frozen):
    required: bool
    physical_min_eap_cents: int | None
    source: str


class TermRules(Frozen):
    max_months: int = Field(ge=1, le=12)
    premium_basis: Literal["estimated_annual_premium", "per_assignment"]
    rating_plan: Literal["guaranteed_cost"]
    down_payment: DownPayment | None
    final_audit: FinalAudit
    source: str


class Program(Frozen):
    """A carrier program. priority: lower is considered first (state-specific before multistate)."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    line: Line
    carrier: Carrier
    states: tuple[StateCode, ...]
    trades: tuple[str, ...]
    priority: int
    guidelines: str
    per_dispatch: bool
    charges: ProgramCharges
    term: TermRules
    source: str

    @model_validator(mode="after")
    def _consistent(self) -> Program:
        if self.per_dispatch:
            _check_per_dispatch_promise(self)
        if self.line == "wc":
            _check_el_levels(self.charges.el_increased_limits)
        return self

    def endorsement(self, code: str) -> EndorsementTerms | None:
        """The program's terms for the endorsement code (the first listed), or None."""
        return self._endorsements_by_code.get(code)

    def writes_state(self, state: str) -> bool:
        return state in self._state_set

    def writes_trade(self, trade: str) -> bool:
        return trade in self._trade_set

    # Set and dict views of the fields above, for the lookups every rating makes. Built once per
    # (immutable) program on first use; not fields, so absent from dumps, schemas and equality.
    # A changed program is validated anew (model_validate), never model_copy(update=...), which
    # would carry these views over.
    @cached_property
    def _endorsements_by_code(self) -> dict[str, EndorsementTerms]:
        by_code: dict[str, EndorsementTerms] = {}
        for terms in self.charges.endorsements:
            by_code.setdefault(terms.code, terms)
        return by_code

    @cached_property
    def _state_set(self) -> frozenset[str]:
        return frozenset(self.states)

    @cached_property
    def _trade_set(self) -> frozenset[str]:
        return frozenset(self.trades)


def _check_per_dispatch_promise(program: Program) -> None:
    """No retainer, no per-tech minimum, no payroll markup: no per-policy charges at all."""
    charges, term = program.charges, program.term
    if charges.expense_constant_cents or charges.minimum_premium or term.down_payment:
        raise ValueError(f"{program.id}: per-dispatch programs carry no per-policy charges")
    if term.premium_basis != "per_assignment":
        raise ValueError(f"{program.id}: per-dispatch premium basis is per_assignment")


def _check_el_levels(levels: tuple[ElLimitsLevel, ...]) -> None:
    """WC programs tabulate EL levels ascending in every component, the standard level at 1.000."""
    if not levels or levels[0].factor != 1:
        raise ValueError("WC programs need EL levels starting at the standard level, factor 1")
    for lower, higher in pairwise(levels):
        pairs = zip(lower.components(), higher.components(), strict=True)
        if any(low > high for low, high in pairs) or lower.factor > higher.factor:
            raise ValueError("EL levels must ascend in every component and in factor")


class ProgramsFile(DataFile):
    programs: tuple[Program, ...]
