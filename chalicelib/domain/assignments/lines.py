"""The parts of an assignment: its window, pay and each line's coverage."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.parties import Address
from chalicelib.domain.rating import PremiumBreakdown
from chalicelib.domain.reasons import Reason

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
    waiver_minimum_booked: bool = False
    # Annual (guaranteed-cost) programs: the job is exposure under the estimated annual premium,
    # trued up by the final audit; only per-dispatch programs earn premium per assignment.
    per_dispatch: bool = True
    reasons: list[Reason] = []
