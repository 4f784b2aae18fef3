"""The parts of an assignment: its window, pay and each line's coverage."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.parties import Address
from chalicelib.domain.rating import WAIVER_CODES, PremiumBreakdown, endorsement_base_cents
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import Program

AssignmentStatus = Literal[
    "quoted",
    "bound",
    "partial",
    "uncovered",
    "referred",
    "active",
    "completed",
    "cancelled",
    # The window ended while bound or active without `complete` (the `expirations` job).
    "unreported",
]
LineStatus = Literal["bound", "quoted", "referred", "uncovered", "cancelled"]
NOT_STARTED = frozenset({"quoted", "bound", "partial", "uncovered", "referred"})
# Tolerance for a platform's clock running a little behind ours when it reports `at`.
START_CLOCK_SKEW = timedelta(minutes=5)


class Window(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    start: datetime
    end: datetime


class Pay(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    amount_cents: int
    basis: Literal["flat", "hourly"]
    estimated_hours: Decimal | None = None

    def job_pay_cents(self) -> int:
        """flat: the amount; hourly: round_half_up(rate x estimated hours)."""
        if self.basis == "flat":
            return self.amount_cents
        assert self.estimated_hours is not None
        return int(
            (Decimal(self.amount_cents) * self.estimated_hours).to_integral_value(ROUND_HALF_UP)
        )

    def hourly_wage_cents(self) -> int | None:
        """The tech's hourly pay for wage-split classes; flat pay without hours: unknown."""
        if self.basis == "hourly":
            return self.amount_cents
        if self.estimated_hours:
            return int(
                (Decimal(self.amount_cents) / self.estimated_hours).to_integral_value(ROUND_HALF_UP)
            )
        return None


class AdditionalInsured(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    customer: str
    name: str
    address: Address
    forms: list[str]
    primary_noncontributory: bool


class LineWaiver(BaseModel):
    """The waiver of subrogation on a line: the program's terms, the premium of this job it
    covers, and the endorsement's charge with this job (per job: the job's own; per customer per
    term: the term's, over every job of the customer)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str
    form: str
    program: str
    scope: str
    premium_base: str
    pct: Decimal
    minimum_cents: int
    covered_premium_cents: int
    charge_cents: int


class LineCoverage(BaseModel):
    """One line of one assignment: bound or why not, rated by the work state's class."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: LineStatus
    policy: str | None = None
    program: str | None = None
    state: str
    class_code: str | None = None
    class_description: str | None = None
    rate_per_100: Decimal | None = None
    premium_cents: int = 0
    premium: PremiumBreakdown | None = None
    endorsements: list[dict[str, Any]] = []
    additional_insureds: list[AdditionalInsured] = []
    waiver: LineWaiver | None = None
    # Annual (guaranteed-cost) programs: the job is exposure under the estimated annual premium,
    # trued up by the final audit; only per-dispatch programs earn premium per assignment.
    per_dispatch: bool = True
    # The trade was not on the policy for this line: underwritten on this dispatch; the class
    # joins the policy when the line binds.
    new_class: bool = False
    reasons: list[Reason] = []


def line_waiver(
    program: Program, premium: PremiumBreakdown, charge_cents: int | None = None
) -> LineWaiver | None:
    """The line's waiver of subrogation, if its premium carries one: per job, its own charge;
    over many jobs, `charge_cents` (the endorsement's, with this job) or this line's alone."""
    per_job = [e for e in premium.endorsements if e.code in WAIVER_CODES]
    shared = [c for c in premium.term_charges if c.code in WAIVER_CODES]
    code = per_job[0].code if per_job else shared[0].code if shared else None
    terms = program.endorsement(code) if code else None
    if terms is None:
        return None
    own = per_job[0].charge_cents if per_job else shared[0].amount_cents
    return LineWaiver(
        code=terms.code,
        form=terms.form,
        program=program.id,
        scope=terms.scope,
        premium_base=terms.premium_base,
        pct=terms.pct,
        minimum_cents=terms.minimum_cents,
        covered_premium_cents=endorsement_base_cents(
            terms, premium.manual_premium_cents, premium.modified_premium_cents
        ),
        charge_cents=own if per_job or charge_cents is None else charge_cents,
    )
