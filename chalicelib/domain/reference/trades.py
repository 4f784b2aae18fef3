"""trades.json: each trade's GL class and WC class per class system, and the class it rates as."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chalicelib.domain.reference.data_file import (
    ClassCodeText,
    ClassSystem,
    DataFile,
    Frozen,
    StateCode,
)


class ClassCode(Frozen):
    code: ClassCodeText
    description: str


class WageSplit(Frozen):
    """A class split by the tech's regular hourly wage (California dual-wage classes)."""

    threshold_cents: int = Field(gt=0)
    below: ClassCode
    at_or_above: ClassCode

    def class_for_wage(self, hourly_wage_cents: int | None) -> ClassCode:
        """wage >= threshold -> at_or_above; wage < threshold or unknown -> below (lower-wage)."""
        if hourly_wage_cents is not None and hourly_wage_cents >= self.threshold_cents:
            return self.at_or_above
        return self.below


class WcClassMapping(Frozen):
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


class GlClass(Frozen):
    """ISO CGL classification of a trade."""

    code: ClassCodeText
    description: str
    verified: bool
    source: str = Field(min_length=1)


class Trade(Frozen):
    """A canonical trade: GL class and WC class per class system, with per-state overrides."""

    code: str = Field(pattern=r"^[a-z_]+$")
    description: str
    gl_class: GlClass
    wc_classes: dict[ClassSystem, WcClassMapping]
    wc_state_overrides: dict[StateCode, WcClassMapping] = Field(default_factory=dict)


class TradesFile(DataFile):
    trades: tuple[Trade, ...]


class WcClassAssignment(Frozen):
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
