"""The term rules as data: the short-rate table and each program's cancellation, reinstatement,
renewal, final-audit and rescission rules (`chalicelib/data/term/`), validated at load."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator

from chalicelib.domain.reasons import guideline_citation
from chalicelib.domain.reference.data_file import DataFile, Frozen

INSURED_REQUEST = "insured_request"
COMPANY_REASONS = (
    "nonpayment",
    "nonreport_payroll",
    "misrepresentation",
    "noncooperation",
    "loss_control_noncompliance",
    "material_change",
    "company_error",
)
CancelReason = Literal[
    "insured_request",
    "nonpayment",
    "nonreport_payroll",
    "misrepresentation",
    "noncooperation",
    "loss_control_noncompliance",
    "material_change",
    "company_error",
]
Role = Literal["admin", "platform", "underwriter"]


class ShortRateBand(Frozen):
    through_day: int = Field(ge=1)
    pct: Decimal = Field(gt=0, le=100)


class ShortRateTable(DataFile):
    """Days in force (of a `term_days` term) -> percent of the annual premium earned."""

    verified: bool
    verification_note: str
    term_days: int = Field(ge=1)
    minimum_pct: Decimal | None = None
    bands: tuple[ShortRateBand, ...]

    @model_validator(mode="after")
    def _covers_the_year(self) -> ShortRateTable:
        days = [band.through_day for band in self.bands]
        pcts = [band.pct for band in self.bands]
        if days != sorted(set(days)) or days[-1] != self.term_days:
            raise ValueError("bands must ascend by day and end on the last day of the term")
        if pcts != sorted(pcts) or pcts[-1] != 100:
            raise ValueError("percentages must not fall and must reach 100")
        return self

    @cached_property
    def _by_day(self) -> tuple[Decimal, ...]:
        table: list[Decimal] = [Decimal(0)]
        for band in self.bands:
            table += [band.pct] * (band.through_day - len(table) + 1)
        return tuple(table)

    def pct_for_day(self, day: int) -> Decimal:
        """The table's percent earned after `day` days in force (day 0: nothing; capped at the
        last day), raised to `minimum_pct` where the table keeps a minimum retention."""
        if day <= 0:
            return Decimal(0)
        pct = self._by_day[min(day, self.term_days)]
        return max(pct, self.minimum_pct) if self.minimum_pct is not None else pct


class CancellationRules(Frozen):
    notice_days: dict[str, int]
    notice_days_sample: bool
    notice_source: str
    pro_rata_return_rounding: Literal["next_whole_dollar", "cent"]
    pro_rata_section: str | None = None
    short_rate_section: str | None = None

    @model_validator(mode="after")
    def _every_company_reason(self) -> CancellationRules:
        missing = set(COMPANY_REASONS) - set(self.notice_days)
        if missing:
            raise ValueError(f"notice_days lacks {sorted(missing)}")
        return self


class ReinstatementRules(Frozen):
    roles: tuple[Role, ...]
    requires_account_current: bool
    notice_limit: int | None = Field(default=None, ge=1)
    notice_reasons: tuple[str, ...] = ()
    max_days_after_cancellation: int | None = Field(default=None, ge=0)
    company_error_exempt: bool
    section: str | None = None


class RenewalRules(Frozen):
    window_days: int = Field(ge=1)
    non_renewal_notice_days: int = Field(ge=0)
    notice_days_sample: bool
    source: str

    @property
    def decide_days_before_expiration(self) -> int:
        """A renewal is decided when the window opens, never later than the notice allows."""
        return max(self.window_days, self.non_renewal_notice_days)


class FinalAuditDueRules(Frozen):
    due_days_after_expiration: int = Field(ge=0)
    due_days_after_company_cancellation: int = Field(ge=0)
    due_days_after_insured_cancellation: int = Field(ge=0)
    section: str | None = None


class RescissionRules(Frozen):
    rebind_requires_underwriter: bool
    section: str | None = None


class ProgramTermRules(Frozen):
    program: str
    guidelines: str | None
    cancellation: CancellationRules
    reinstatement: ReinstatementRules
    renewal: RenewalRules
    final_audit: FinalAuditDueRules
    rescission: RescissionRules

    def cite(self, section: str | None) -> str | None:
        """The guideline citation of a section of this program's document, if it has one."""
        if self.guidelines is None or section is None:
            return None
        return guideline_citation(self.guidelines, section)


class TermRulesFile(DataFile):
    programs: tuple[ProgramTermRules, ...]


class TermRulebook:
    """Both files, looked up by program."""

    def __init__(self, short_rate: ShortRateTable, rules: TermRulesFile) -> None:
        self.short_rate = short_rate
        self._by_program = {rules.program: rules for rules in rules.programs}

    def programs(self) -> tuple[str, ...]:
        return tuple(self._by_program)

    def for_program(self, program_id: str) -> ProgramTermRules:
        try:
            return self._by_program[program_id]
        except KeyError:
            raise KeyError(f"no term rules for program {program_id!r}") from None
