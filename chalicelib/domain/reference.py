"""Reference data: jurisdictions, trades and their class codes, programs, rate tables.

Frozen pydantic models for the versioned data files under `chalicelib/data/` and `ReferenceData`,
the lookups rating and routing need. Pure: the files are read by `chalicelib/reference_data.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain.errors import ValidationFailed

Line = Literal["wc", "gl"]
LINES: tuple[Line, ...] = ("wc", "gl")
ClassSystem = Literal["ncci", "ca", "ny", "nj", "pa_de", "state_fund"]
PRIVATE_CLASS_SYSTEMS: tuple[ClassSystem, ...] = ("ncci", "ca", "ny", "nj", "pa_de")
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
ClassCodeText = Annotated[str, Field(pattern=r"^\d{3,5}$")]
Rate = Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=4)]


class RatingInputError(ValidationFailed, ValueError):
    """Input rating cannot use (unknown trade, state or line, bad EL limits...): an API 422."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class ReferenceDataError(Exception):
    """The data files are inconsistent: a defect in the shipped data, never the caller's fault."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class DataFile(_Frozen):
    """Every data file says when it takes effect and where its figures come from."""

    effective_date: date
    source: str = Field(min_length=1)


# --- jurisdictions.json ---------------------------------------------------------------------


class Bureau(_Frozen):
    code: str
    name: str


class Jurisdiction(_Frozen):
    """A state or DC: WC bureau and class system; monopolistic: WC only from the state fund."""

    code: StateCode
    name: str
    bureau: str
    class_system: ClassSystem
    monopolistic: bool

    @model_validator(mode="after")
    def _state_fund_iff_monopolistic(self) -> Jurisdiction:
        if self.monopolistic != (self.class_system == "state_fund"):
            raise ValueError(f"{self.code}: class_system state_fund iff monopolistic")
        return self


class JurisdictionsFile(DataFile):
    notes: str = ""
    bureaus: tuple[Bureau, ...]
    jurisdictions: tuple[Jurisdiction, ...]

    @model_validator(mode="after")
    def _codes_unique_and_bureaus_known(self) -> JurisdictionsFile:
        codes = [row.code for row in self.jurisdictions]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate jurisdiction code")
        bureau_codes = {bureau.code for bureau in self.bureaus}
        unknown = sorted({row.bureau for row in self.jurisdictions} - bureau_codes)
        if unknown:
            raise ValueError(f"unknown bureau(s): {unknown}")
        return self


# --- trades.json ----------------------------------------------------------------------------


class ClassCode(_Frozen):
    code: ClassCodeText
    description: str


class WageSplit(_Frozen):
    """A class split by the tech's regular hourly wage (California dual-wage classes)."""

    threshold_cents: int = Field(gt=0)
    below: ClassCode
    at_or_above: ClassCode

    def class_for_wage(self, hourly_wage_cents: int | None) -> ClassCode:
        """wage >= threshold -> at_or_above; wage < threshold or unknown -> below (lower-wage)."""
        if hourly_wage_cents is not None and hourly_wage_cents >= self.threshold_cents:
            return self.at_or_above
        return self.below


class WcClassMapping(_Frozen):
    """One class (`code`, `description`) or a `wage_split`; verified=false: plausible, unsourced."""

    code: ClassCodeText | None = None
    description: str | None = None
    wage_split: WageSplit | None = None
    verified: bool
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> WcClassMapping:
        single = self.code is not None and self.description is not None
        if single == (self.wage_split is not None):
            raise ValueError("give either code + description or wage_split")
        return self

    def class_for_wage(self, hourly_wage_cents: int | None) -> ClassCode:
        if self.wage_split is not None:
            return self.wage_split.class_for_wage(hourly_wage_cents)
        assert self.code is not None
        assert self.description is not None
        return ClassCode(code=self.code, description=self.description)

    def class_codes(self) -> tuple[str, ...]:
        """Every class code this mapping can route to."""
        if self.wage_split is not None:
            return (self.wage_split.below.code, self.wage_split.at_or_above.code)
        assert self.code is not None
        return (self.code,)


class GlClass(_Frozen):
    """ISO CGL classification of a trade."""

    code: ClassCodeText
    description: str
    verified: bool
    source: str = Field(min_length=1)


class Trade(_Frozen):
    """A canonical trade: GL class and WC class per class system, with per-state overrides."""

    code: str = Field(pattern=r"^[a-z_]+$")
    description: str
    gl_class: GlClass
    wc_classes: dict[ClassSystem, WcClassMapping]
    wc_state_overrides: dict[StateCode, WcClassMapping] = Field(default_factory=dict)


class TradesFile(DataFile):
    trades: tuple[Trade, ...]


# --- programs.json --------------------------------------------------------------------------


class Carrier(_Frozen):
    name: str
    naic: Annotated[str, Field(pattern=r"^\d{5}$")] | None = None
    naic_verified: bool
    sample: bool = False
    source: str


class EndorsementTerms(_Frozen):
    """A program's endorsement: charge = pct x premium per assignment, plus a minimum booked once.

    minimum_basis: `per_customer_per_term` (specific waiver), `per_term` (blanket) or `none`.
    """

    code: str
    form: str
    description: str
    pct: Decimal = Field(ge=0, le=1)
    minimum_cents: int = Field(ge=0)
    minimum_basis: Literal["per_customer_per_term", "per_term", "none"]
    unavailable_states: tuple[StateCode, ...] = ()
    sample: bool = False
    guideline_section: str
    source: str


class ElLimitsLevel(_Frozen):
    """A tabulated employer's liability limits level (thousands) and its increased-limits factor."""

    limits: str = Field(pattern=r"^\d+/\d+/\d+$")
    factor: Decimal = Field(ge=1)

    def components(self) -> tuple[int, int, int]:
        each_accident, policy_limit, each_employee = (int(part) for part in self.limits.split("/"))
        return each_accident, policy_limit, each_employee


class MinimumPremiumRule(_Frozen):
    """NCCI style: minimum = rate_per_100 x rate_multiplier (+ expense constant), capped."""

    rate_multiplier: Decimal = Field(gt=0)
    add_expense_constant: bool
    cap_cents: int | None = Field(default=None, gt=0)
    sample: bool
    source: str


class ProgramCharges(_Frozen):
    expense_constant_cents: int = Field(ge=0)
    minimum_premium: MinimumPremiumRule | None
    el_increased_limits: tuple[ElLimitsLevel, ...]
    el_source: str
    endorsements: tuple[EndorsementTerms, ...]
    source: str


class DownPayment(_Frozen):
    pct: Decimal = Field(gt=0, le=1)
    pct_sample: bool
    due_business_days: int = Field(gt=0)
    source: str


class FinalAudit(_Frozen):
    required: bool
    physical_min_eap_cents: int | None
    source: str


class TermRules(_Frozen):
    max_months: int = Field(ge=1, le=12)
    premium_basis: Literal["estimated_annual_premium", "per_assignment"]
    rating_plan: Literal["guaranteed_cost"]
    down_payment: DownPayment | None
    final_audit: FinalAudit
    source: str


class Program(_Frozen):
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
        return next((terms for terms in self.charges.endorsements if terms.code == code), None)


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


# --- rates/<program>.json -------------------------------------------------------------------


class RateTable(DataFile):
    """Rates per $100 of pay by state and class code; `sample` is false only for filed rates."""

    program: str
    line: Line
    sample: bool
    basis: Literal["per_100_of_pay"]
    rates: dict[StateCode, dict[ClassCodeText, Rate]]


# --- lookup results -------------------------------------------------------------------------


class WcClassAssignment(_Frozen):
    """The WC class a trade rates in a state, and why (class system, wage split, source)."""

    trade: str
    state: str
    bureau: str
    class_system: ClassSystem
    class_code: str
    description: str
    verified: bool
    source: str
    wage_split: WageSplit | None = None
    wage_basis: Literal["single_class", "hourly_wage", "unknown_wage_lower_class"]


# --- ReferenceData --------------------------------------------------------------------------


class ReferenceData:
    """All reference data, indexed; cross-file consistency (incl. rate completeness) checked."""

    def __init__(
        self,
        jurisdictions: JurisdictionsFile,
        trades: TradesFile,
        programs: ProgramsFile,
        rate_tables: Iterable[RateTable],
    ) -> None:
        self.jurisdictions_file = jurisdictions
        self.trades_file = trades
        self.programs_file = programs
        self._jurisdictions = {row.code: row for row in jurisdictions.jurisdictions}
        self._bureaus = {bureau.code: bureau for bureau in jurisdictions.bureaus}
        self._trades = {trade.code: trade for trade in trades.trades}
        ordered = sorted(programs.programs, key=lambda program: (program.priority, program.id))
        self._programs = {program.id: program for program in ordered}
        self._rate_tables = {table.program: table for table in rate_tables}
        # Memoised lookups (pure results of the immutable data above).
        self._wc_class_cache: dict[tuple[str, str, str], WcClassAssignment] = {}
        _check_consistency(self)

    # jurisdictions
    def jurisdictions(self) -> tuple[Jurisdiction, ...]:
        return tuple(self._jurisdictions.values())

    def jurisdiction(self, code: str) -> Jurisdiction:
        """The jurisdiction, or RatingInputError `unknown_state`."""
        try:
            return self._jurisdictions[code]
        except KeyError:
            raise RatingInputError("unknown_state", f"unknown state {code!r}") from None

    def bureau_name(self, code: str) -> str:
        return self._bureaus[code].name

    # trades and classes
    def trades(self) -> tuple[Trade, ...]:
        return tuple(self._trades.values())

    def trade(self, code: str) -> Trade:
        """The trade, or RatingInputError `unknown_trade`."""
        try:
            return self._trades[code]
        except KeyError:
            raise RatingInputError("unknown_trade", f"unknown trade {code!r}") from None

    def wc_mapping(self, trade_code: str, state: str) -> WcClassMapping:
        """The state's override if any, else the state's class system mapping.

        Raises RatingInputError `monopolistic_state` where no private WC class exists.
        """
        trade = self.trade(trade_code)
        jurisdiction = self.jurisdiction(state)
        override = trade.wc_state_overrides.get(state)
        if override is not None:
            return override
        if jurisdiction.monopolistic:
            raise RatingInputError(
                "monopolistic_state", f"{state} writes WC only through its monopolistic state fund"
            )
        return trade.wc_classes[jurisdiction.class_system]

    def wc_class_for(
        self, trade_code: str, state: str, hourly_wage_cents: int | None = None
    ) -> WcClassAssignment:
        """WC class for the trade in the state; wage splits pick by wage, unknown -> lower-wage."""
        mapping = self.wc_mapping(trade_code, state)
        key = (trade_code, state, _wage_bucket(mapping, hourly_wage_cents))
        assigned = self._wc_class_cache.get(key)
        if assigned is None:
            assigned = self._assign_wc_class(trade_code, state, mapping, hourly_wage_cents)
            self._wc_class_cache[key] = assigned
        return assigned

    def _assign_wc_class(
        self, trade_code: str, state: str, mapping: WcClassMapping, hourly_wage_cents: int | None
    ) -> WcClassAssignment:
        jurisdiction = self._jurisdictions[state]
        chosen = mapping.class_for_wage(hourly_wage_cents)
        return WcClassAssignment(
            trade=trade_code,
            state=state,
            bureau=jurisdiction.bureau,
            class_system=jurisdiction.class_system,
            class_code=chosen.code,
            description=chosen.description,
            verified=mapping.verified,
            source=mapping.source,
            wage_split=mapping.wage_split,
            wage_basis=_wage_basis(mapping, hourly_wage_cents),
        )

    def gl_class_for(self, trade_code: str) -> GlClass:
        return self.trade(trade_code).gl_class

    def class_codes_for(self, program: Program, trade_code: str, state: str) -> tuple[str, ...]:
        """Every class code the program can rate for the trade in the state."""
        if program.line == "gl":
            return (self.gl_class_for(trade_code).code,)
        return self.wc_mapping(trade_code, state).class_codes()

    # programs and rates
    def programs(self, line: str | None = None) -> tuple[Program, ...]:
        """Programs in priority order (lower number first), optionally for one line."""
        if line is None:
            return tuple(self._programs.values())
        if line not in LINES:
            raise RatingInputError("unknown_line", f"unknown line {line!r}; lines are wc, gl")
        return tuple(program for program in self._programs.values() if program.line == line)

    def program(self, program_id: str) -> Program:
        try:
            return self._programs[program_id]
        except KeyError:
            raise RatingInputError("unknown_program", f"unknown program {program_id!r}") from None

    def rate_table(self, program_id: str) -> RateTable:
        return self._rate_tables[program_id]

    def rate_for(self, program_id: str, state: str, class_code: str) -> Decimal:
        """Rate per $100 of pay; ReferenceDataError if the table lacks it (a data defect)."""
        try:
            return self._rate_tables[program_id].rates[state][class_code]
        except KeyError:
            raise ReferenceDataError(
                f"no rate for program {program_id} state {state} class {class_code}"
            ) from None


def _wage_bucket(mapping: WcClassMapping, hourly_wage_cents: int | None) -> str:
    """What of the wage decides the class: nothing, unknown, below or at/above the threshold."""
    split = mapping.wage_split
    if split is None:
        return "single"
    if hourly_wage_cents is None:
        return "unknown"
    return "at_or_above" if hourly_wage_cents >= split.threshold_cents else "below"


def _wage_basis(
    mapping: WcClassMapping, hourly_wage_cents: int | None
) -> Literal["single_class", "hourly_wage", "unknown_wage_lower_class"]:
    if mapping.wage_split is None:
        return "single_class"
    return "unknown_wage_lower_class" if hourly_wage_cents is None else "hourly_wage"


def missing_rates(reference: ReferenceData) -> list[tuple[str, str, str, str]]:
    """(program, state, trade, class) a program can route to but its rate table does not rate."""
    missing: list[tuple[str, str, str, str]] = []
    for program in reference.programs():
        table = reference._rate_tables.get(program.id)
        for state in program.states:
            for trade_code in program.trades:
                for class_code in reference.class_codes_for(program, trade_code, state):
                    if table is None or class_code not in table.rates.get(state, {}):
                        missing.append((program.id, state, trade_code, class_code))
    return missing


def _check_consistency(reference: ReferenceData) -> None:
    """Cross-file checks: known states, trades and class systems; a complete rate table."""
    problems: list[str] = []
    for trade in reference.trades():
        absent = set(PRIVATE_CLASS_SYSTEMS) - set(trade.wc_classes)
        if absent:
            problems.append(f"trade {trade.code} lacks class systems {sorted(absent)}")
        problems += [
            f"trade {trade.code} overrides unknown state {state}"
            for state in trade.wc_state_overrides
            if state not in reference._jurisdictions
        ]
    for program in reference.programs():
        problems += _program_problems(reference, program)
    if problems:
        raise ReferenceDataError("; ".join(problems))
    missing = missing_rates(reference)
    if missing:
        raise ReferenceDataError(f"rate tables incomplete, e.g. {missing[:5]}")


def _program_problems(reference: ReferenceData, program: Program) -> list[str]:
    problems = [
        f"program {program.id} writes unknown state {state}"
        for state in program.states
        if state not in reference._jurisdictions
    ]
    problems += [
        f"program {program.id} writes unknown trade {trade}"
        for trade in program.trades
        if trade not in reference._trades
    ]
    if program.line == "wc":
        problems += [
            f"WC program {program.id} writes monopolistic state {state}"
            for state in program.states
            if state in reference._jurisdictions and reference._jurisdictions[state].monopolistic
        ]
    table = reference._rate_tables.get(program.id)
    if table is None:
        problems.append(f"program {program.id} has no rate table")
    elif table.line != program.line:
        problems.append(f"rate table {program.id} is for line {table.line}")
    return problems
