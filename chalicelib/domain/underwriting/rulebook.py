"""A program's rulebook: declarative rules over named facts, validated when it is loaded.

A rule reads: when `condition` holds, `outcome` (decline, refer, or note: a reason that leaves the
status alone) with reason `code`, a `message` template over fact names, the guideline section it
comes from, and the exact guideline sentence (`quote`) an underwriter can find in the document.
"""

from __future__ import annotations

from datetime import date
from string import Formatter
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.domain.underwriting.conditions import Condition, check_condition
from chalicelib.domain.underwriting.fact_names import FACTS
from chalicelib.domain.underwriting.text import TermList

RuleOutcome = Literal["decline", "refer", "note"]
MATCHED_TERMS = "matched_terms"


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class GuidelineRef(_Data):
    """Where a rule comes from: the guideline document and the heading the sentence sits under."""

    document: str = Field(min_length=1)
    section: str = Field(min_length=1)


class Rule(_Data):
    """One underwriting rule."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.]*$", max_length=80)
    outcome: RuleOutcome
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)
    message: str = Field(min_length=1)
    guideline: GuidelineRef
    quote: str = Field(min_length=1)
    condition: Condition
    note: str | None = None  # the interpretation taken, for the conformance table

    def placeholders(self) -> set[str]:
        """Field names used by the message template."""
        return {name for _, name, _, _ in Formatter().parse(self.message) if name is not None}


class Rulebook(_Data):
    """Every rule of one program, as of `effective_date`, from `source`."""

    program: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    effective_date: date
    source: str = Field(min_length=1)
    term_lists: dict[str, TermList] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _rules_are_sound(self) -> Self:
        problems: list[str] = []
        seen: set[str] = set()
        for name, term_list in self.term_lists.items():
            try:
                term_list.validate_patterns()
            except ValueError as exc:
                problems.append(f"term list {name}: {exc}")
        for rule in self.rules:
            if rule.id in seen:
                problems.append(f"duplicate rule id {rule.id}")
            seen.add(rule.id)
            problems.extend(
                f"{rule.id}: {p}" for p in check_condition(rule.condition, self.term_lists)
            )
            unknown = rule.placeholders() - set(FACTS) - {MATCHED_TERMS}
            problems.extend(
                f"{rule.id}: unknown message field {{{name}}}" for name in sorted(unknown)
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
