"""Exposure vocabularies: the phrases that name one hazard in free text, and what does not.

`terms` and `paraphrases` are patterns (screening.py: words, `prefix*`, `a|b` alternatives and
`...` gaps; the last word may take a plural): a hit on them is conclusive. `ambiguous` phrases
name the hazard only in some senses ("school district" may be the applicant or its customer): a
hit on them refers. A hit inside a `look_alikes` phrase is no hit ("vessel sink", "sand
blasting", "loading dock"). Negated hits never count ("no tree work").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.underwriting.screening import Hit, compile_pattern, normalise, screen

__all__ = ["Hit", "TermList", "normalise"]


class TermList(BaseModel):
    """One named exposure vocabulary, e.g. `tree_work`."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    meaning: str = Field(min_length=1)
    terms: tuple[str, ...] = Field(min_length=1)
    paraphrases: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    look_alikes: tuple[str, ...] = ()

    def validate_patterns(self) -> None:
        """Compile every pattern now, so a bad data file fails at load, not at quote time."""
        for source in (*self.terms, *self.paraphrases, *self.ambiguous, *self.look_alikes):
            compile_pattern(source)

    def screen(self, text: str) -> tuple[Hit, ...]:
        """Every hit in `text`, each conclusive or not; negated and look-alike hits left out."""
        return screen(text, (*self.terms, *self.paraphrases), self.ambiguous, self.look_alikes)

    def find(self, text: str) -> tuple[str, ...]:
        """The phrases of `text` (as written) that hit the vocabulary."""
        return tuple(hit.phrase for hit in self.screen(text))
