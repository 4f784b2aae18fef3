"""A program's application: the questions its guidelines need answered, and what silence means.

A WC program underwrites on answers, not on silence (API.md "The application"). Each program's
application is data (`chalicelib/data/rules/applications/<program>.json`): the questions asked on
the quote (`operations` answers), the contractor facts its rules read, each with the guideline it
serves and whether it is required (always, or `required_when` a condition holds). A required
answer that is missing refers the line with one `missing_information` reason naming every gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.reasons import Reason, guideline_citation
from chalicelib.domain.underwriting.conditions import Condition, evaluate_condition
from chalicelib.domain.underwriting.fact_names import FACTS
from chalicelib.domain.underwriting.facts import UnderwritingFacts
from chalicelib.domain.underwriting.text import TermList

QuestionType = Literal["number", "percent", "multi_select"]
MISSING_INFORMATION = "missing_information"


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Citation(_Data):
    document: str = Field(min_length=1)
    section: str = Field(min_length=1)

    def __str__(self) -> str:
        return guideline_citation(self.document, self.section)


class Question(_Data):
    """One question of the application, answered in the quote's `operations` block."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    fact: str  # the named fact (fact_names.FACTS) the answer becomes
    text: str = Field(min_length=1)
    type: QuestionType
    unit: str | None = None
    required: bool = True
    guideline: Citation


class ContractorFact(_Data):
    """A fact of the contractor record a rule reads; `field` is its name in the API."""

    field: str = Field(min_length=1)
    fact: str
    text: str = Field(min_length=1)
    required: bool = True
    required_when: Condition | None = None
    guideline: Citation


class Application(_Data):
    """One program's question set, versioned."""

    program: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: str = Field(min_length=1, max_length=40)
    effective_date: date
    source: str = Field(min_length=1)
    questions: tuple[Question, ...] = ()
    contractor_facts: tuple[ContractorFact, ...] = ()

    def problems(self) -> list[str]:
        """Unknown fact names (empty when sound)."""
        names = [q.fact for q in self.questions] + [c.fact for c in self.contractor_facts]
        return [f"application: unknown fact {name!r}" for name in names if name not in FACTS]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def missing_information(
    application: Application, facts: UnderwritingFacts, term_lists: Mapping[str, TermList]
) -> Reason | None:
    """The `missing_information` reason naming every required answer not given, or None."""
    missing: list[tuple[str, Citation]] = []
    for question in application.questions:
        if question.required and FACTS[question.fact].read(facts) is None:
            missing.append((f"operations.{question.id}", question.guideline))
    for item in application.contractor_facts:
        if not item.required or FACTS[item.fact].read(facts) is not None:
            continue
        condition = item.required_when
        if condition is not None and not evaluate_condition(condition, facts, term_lists).holds:
            continue
        missing.append((f"contractor.{item.field}", item.guideline))
    if not missing:
        return None
    names = ", ".join(name for name, _ in missing)
    return Reason(
        code=MISSING_INFORMATION,
        message=f"The application is missing {names}: a WC line is never eligible on silence; "
        "answer them (GET /v1/programs/{id}/application lists the questions) and quote again, "
        "or an underwriter decides.",
        guideline=str(missing[0][1]),
    )


def answers_as_sent(operations: Mapping[str, Any]) -> dict[str, Any]:
    """The answers in JSON form, numbers as JSON numbers (as the platform sent them)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, set | frozenset | tuple):
            return sorted(value)
        return value

    return {name: plain(value) for name, value in operations.items() if value is not None}


class ApplicationRecord(BaseModel):
    """The answers a quote was underwritten on, kept with the quote and carried to its policy.

    `question_sets`: the version of each program's question set the answers were read against.
    `sent_by`/`sent_at`: the API key that sent them and when; `attested_by`/`attested_at`: the
    platform's `accept_terms` attestation that the contractor gave them (set on the policy).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    answers: dict[str, Any]
    requested_coverages: list[str] = []
    question_sets: dict[str, str] = {}
    sent_by: str | None = None
    sent_at: datetime
    attested_by: str | None = None
    attested_at: datetime | None = None
