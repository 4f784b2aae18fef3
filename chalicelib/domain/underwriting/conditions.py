"""A small closed set of typed condition operators over named facts, and their evaluation.

Leaves: `{"fact", "op": gt|gte|lt|lte|eq|ne, "value" | "other_fact"}`, `{"fact", "op": in|not_in,
"values"}`, `{"fact", "op": "contains_any", "values"}`, `{"fact": "operations_description", "op":
"text_matches", "terms": "<term list>"}`. Combinators: `{"all": [...]}`, `{"any": [...]}`,
`{"not": {...}}`. An unknown (None) fact never satisfies a leaf: rules fire on what is known.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from chalicelib.domain.underwriting.fact_names import (
    FACTS,
    NUMERIC_KINDS,
    FactValue,
    coerce_value,
)
from chalicelib.domain.underwriting.facts import UnderwritingFacts
from chalicelib.domain.underwriting.text import TermList

CompareOp = Literal["gt", "gte", "lt", "lte", "eq", "ne"]
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "ne": operator.ne,
}
_ORDERED_KINDS = NUMERIC_KINDS | {"date"}


class _Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Compare(_Condition):
    """Compare a fact with a constant `value` or with `other_fact`."""

    fact: str
    op: CompareOp
    value: str | int | bool | None = None
    other_fact: str | None = None


class Membership(_Condition):
    """The fact's value is (not) one of `values`."""

    fact: str
    op: Literal["in", "not_in"]
    values: tuple[str, ...] = Field(min_length=1)


class ContainsAny(_Condition):
    """A set-valued fact (requested coverages) shares at least one member with `values`."""

    fact: str
    op: Literal["contains_any"]
    values: tuple[str, ...] = Field(min_length=1)


class TextMatches(_Condition):
    """A description fact mentions a phrase of the named term list."""

    fact: str
    op: Literal["text_matches"]
    terms: str


class AllOf(_Condition):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Condition):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotCondition(_Condition):
    negated: Condition = Field(alias="not")


def _shape(raw: object) -> str:
    data = raw if isinstance(raw, Mapping) else getattr(raw, "__dict__", {})
    for key in ("all", "any"):
        if key in data:
            return key
    if "not" in data or "negated" in data:
        return "not"
    op = data.get("op")
    if op in ("in", "not_in"):
        return "membership"
    if op in ("contains_any", "text_matches"):
        return str(op)
    return "compare"


Condition = Annotated[
    Annotated[Compare, Tag("compare")]
    | Annotated[Membership, Tag("membership")]
    | Annotated[ContainsAny, Tag("contains_any")]
    | Annotated[TextMatches, Tag("text_matches")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotCondition, Tag("not")],
    Discriminator(_shape),
]
Leaf = Compare | Membership | ContainsAny | TextMatches

for _model in (AllOf, AnyOf, NotCondition):
    _model.model_rebuild()


@dataclass(frozen=True)
class Outcome:
    """Whether a condition holds, and the description phrases that made it hold."""

    holds: bool
    matched_terms: tuple[str, ...] = ()


def leaves(condition: Condition) -> Iterator[Leaf]:
    """Every leaf of a condition tree, depth first."""
    if isinstance(condition, AllOf | AnyOf):
        for child in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from leaves(child)
    elif isinstance(condition, NotCondition):
        yield from leaves(condition.negated)
    else:
        yield condition


def evaluate_condition(
    condition: Condition, facts: UnderwritingFacts, term_lists: Mapping[str, TermList]
) -> Outcome:
    """Evaluate a condition tree against the facts."""
    if isinstance(condition, AllOf | AnyOf):
        children = condition.all if isinstance(condition, AllOf) else condition.any
        outcomes = [evaluate_condition(child, facts, term_lists) for child in children]
        combine = all if isinstance(condition, AllOf) else any
        held = combine(outcome.holds for outcome in outcomes)
        terms = tuple(
            term for outcome in outcomes if outcome.holds for term in outcome.matched_terms
        )
        return Outcome(held, terms if held else ())
    if isinstance(condition, NotCondition):
        return Outcome(not evaluate_condition(condition.negated, facts, term_lists).holds)
    actual = FACTS[condition.fact].read(facts)
    if actual is None:
        return Outcome(False)
    if isinstance(condition, TextMatches):
        found = term_lists[condition.terms].find(str(actual))
        return Outcome(bool(found), found)
    if isinstance(condition, ContainsAny):
        return Outcome(isinstance(actual, frozenset) and bool(actual & set(condition.values)))
    if isinstance(condition, Membership):
        return Outcome((actual in condition.values) == (condition.op == "in"))
    return Outcome(_compare(condition, actual, facts))


def _compare(condition: Compare, actual: FactValue, facts: UnderwritingFacts) -> bool:
    kind = FACTS[condition.fact].kind
    if condition.other_fact is not None:
        expected = FACTS[condition.other_fact].read(facts)
    else:
        expected = coerce_value(kind, condition.value)
    if expected is None:
        return False
    if kind in NUMERIC_KINDS:
        return _COMPARE[condition.op](coerce_value(kind, str(actual)), expected)
    return _COMPARE[condition.op](actual, expected)


def check_condition(condition: Condition, term_lists: Mapping[str, TermList]) -> list[str]:
    """Problems with a condition's fact names, operators and values (empty when sound)."""
    problems: list[str] = []
    for leaf in leaves(condition):
        spec = FACTS.get(leaf.fact)
        if spec is None:
            problems.append(f"unknown fact {leaf.fact!r}")
            continue
        if isinstance(leaf, TextMatches):
            if spec.kind != "description":
                problems.append(f"text_matches needs a description fact, not {leaf.fact!r}")
            if leaf.terms not in term_lists:
                problems.append(f"unknown term list {leaf.terms!r}")
        elif isinstance(leaf, ContainsAny):
            if spec.kind != "set":
                problems.append(f"contains_any needs a set fact, not {leaf.fact!r}")
        elif isinstance(leaf, Membership):
            if spec.kind != "text":
                problems.append(f"{leaf.op} needs a text fact, not {leaf.fact!r}")
        else:
            problems.extend(_check_compare(leaf))
    return problems


def _check_compare(leaf: Compare) -> list[str]:
    kind = FACTS[leaf.fact].kind
    if kind in ("set", "description"):
        return [f"{leaf.op} cannot compare the {kind} fact {leaf.fact!r}"]
    if leaf.op not in ("eq", "ne") and kind not in _ORDERED_KINDS:
        return [f"{leaf.op} needs an ordered fact, not {leaf.fact!r}"]
    if (leaf.value is None) == (leaf.other_fact is None):
        return [f"compare on {leaf.fact!r} needs exactly one of value / other_fact"]
    if leaf.other_fact is not None:
        other = FACTS.get(leaf.other_fact)
        if other is None or other.kind != kind:
            return [f"{leaf.fact!r} cannot be compared with {leaf.other_fact!r}"]
        return []
    try:
        coerce_value(kind, leaf.value)
    except ValueError as exc:
        return [f"bad value for {leaf.fact!r}: {exc}"]
    return []
