"""`ReferenceData`: every data file indexed for the lookups rating and routing need, and the
cross-file consistency checks (known states and trades, complete rate tables) run when it is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from chalicelib.domain.reference.data_file import LINES, PRIVATE_CLASS_SYSTEMS
from chalicelib.domain.reference.errors import RatingInputError, ReferenceDataError
from chalicelib.domain.reference.jurisdictions import Jurisdiction, JurisdictionsFile
from chalicelib.domain.reference.programs import Program, ProgramsFile
from chalicelib.domain.reference.rates import RateTable
from chalicelib.domain.reference.trades import (
    GlClass,
    Trade,
    TradesFile,
    WcClassAssignment,
    WcClassMapping,
)


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
        self._wc_mapping_cache: dict[tuple[str, str], WcClassMapping] = {}
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
        key = (trade_code, state)
        mapping = self._wc_mapping_cache.get(key)
        if mapping is None:
            mapping = self._find_wc_mapping(trade_code, state)
            self._wc_mapping_cache[key] = mapping
        return mapping

    def _find_wc_mapping(self, trade_code: str, state: str) -> WcClassMapping:
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
