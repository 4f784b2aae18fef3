"""Exposure term lists matched against a free-text description of operations.

A term is a phrase matched as whole words, case-insensitively: "tree removal" matches "Tree-removal"
and "tree  removal" but never "street removal"; the last word may take a plural ("removing tree"
matches "removing trees"). Inflections beyond the plural are listed as their own terms, so an
underwriter can read exactly what matches. An `exclude` phrase is a negative context: a term hit
that lies inside an exclude hit does not count ("blasting" inside "sand blasting", "dock" inside
"loading dock", "mining" inside "data mining").
"""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

_WORD_SEPARATOR = r"[\s\-_/]+"
_LEFT_EDGE = r"(?<![a-z0-9])"
_RIGHT_EDGE = r"(?![a-z0-9])"


def normalise(text: str) -> str:
    """Lower-case with typographic quotes and dashes made plain."""
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})
    return text.translate(table).lower()


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole-word regex for a phrase: words joined by spaces/hyphens; last word may be plural."""
    words = normalise(phrase).replace("-", " ").split()
    if not words:
        raise ValueError("a term must contain at least one word")
    escaped = [re.escape(word) for word in words]
    escaped[-1] += "(?:s|es)?"
    return re.compile(_LEFT_EDGE + _WORD_SEPARATOR.join(escaped) + _RIGHT_EDGE)


class TermList(BaseModel):
    """One named exposure vocabulary, e.g. `tree_work`."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    meaning: str = Field(min_length=1)
    terms: tuple[str, ...] = Field(min_length=1)
    exclude: tuple[str, ...] = ()

    @cached_property
    def _term_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(phrase_pattern(term) for term in self.terms)

    @cached_property
    def _exclude_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(phrase_pattern(phrase) for phrase in self.exclude)

    def validate_patterns(self) -> None:
        """Compile every term now, so a bad data file fails at load, not at quote time."""
        _ = self._term_patterns, self._exclude_patterns

    def find(self, text: str) -> tuple[str, ...]:
        """The phrases of `text` (as written) that hit a term outside every negative context."""
        lowered = normalise(text)
        source = text if len(text) == len(lowered) else lowered
        excluded = [
            match.span()
            for pattern in self._exclude_patterns
            for match in pattern.finditer(lowered)
        ]
        found: list[str] = []
        for pattern in self._term_patterns:
            for match in pattern.finditer(lowered):
                start, end = match.span()
                if any(low <= start and end <= high for low, high in excluded):
                    continue
                phrase = source[start:end]
                if phrase.lower() not in (seen.lower() for seen in found):
                    found.append(phrase)
        return tuple(found)
