"""Screening that reads like an underwriter: for every hazard a plain-text case, a paraphrase,
a negated sentence and a look-alike (screening_cases.py); every numeric rule at, below and above
its threshold from answers and from text."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib.domain.underwriting import TermList, evaluate
from chalicelib.underwriting_rules import exposure_vocabulary, load_rulebook
from tests.unit.screening_cases import CASES
from tests.unit.test_underwriting_fixtures import described

PROGRAM_OF = {
    **{e.code: "multistate-wc" for e in load_rulebook("multistate-wc").hazard_catalogue()},
}
PROGRAM_OF.update(
    {
        e.code: "contractors-gl"
        for e in load_rulebook("contractors-gl").hazard_catalogue()
        if e.code not in PROGRAM_OF
    }
)
HAZARDS = sorted(PROGRAM_OF)
OUTCOME = {"decline": "declined", "refer": "referred"}


def entry(hazard: str):
    rulebook = load_rulebook(PROGRAM_OF[hazard])
    return rulebook, next(e for e in rulebook.hazard_catalogue() if e.code == hazard)


def decide(hazard: str, text: str):
    rulebook, found = entry(hazard)
    decision = evaluate(rulebook, described(text), application=False)
    return decision, rulebook.rule(found.rule).code, found.effect


def vocabulary(hazard: str) -> TermList:
    return exposure_vocabulary().term_lists[hazard]


def test_every_hazard_of_every_catalogue_has_its_four_cases():
    assert set(CASES) == set(HAZARDS)


@pytest.mark.parametrize("hazard", HAZARDS)
def test_plain_text_names_the_hazard_conclusively(hazard):
    decision, code, effect = decide(hazard, CASES[hazard].plain)
    assert code in [r.code for r in decision.reasons]
    assert decision.status == OUTCOME[effect]


@pytest.mark.parametrize("hazard", HAZARDS)
def test_a_paraphrase_without_any_listed_term_is_caught(hazard):
    text = CASES[hazard].paraphrase
    terms_only = TermList(meaning="terms", terms=vocabulary(hazard).terms)
    assert terms_only.find(text) == (), "the paraphrase case must not contain a listed term"
    decision, code, effect = decide(hazard, text)
    assert code in [r.code for r in decision.reasons]
    assert decision.status == OUTCOME[effect]


@pytest.mark.parametrize("hazard", HAZARDS)
def test_a_negated_sentence_is_no_hit(hazard):
    text = CASES[hazard].negated
    decision, code, _ = decide(hazard, text)
    assert code not in [r.code for r in decision.reasons]
    assert vocabulary(hazard).find(text) == ()


@pytest.mark.parametrize("hazard", HAZARDS)
def test_a_look_alike_is_no_hit_though_it_contains_a_listed_phrase(hazard):
    text = CASES[hazard].look_alike
    words = vocabulary(hazard)
    without = words.model_copy(update={"look_alikes": ()})
    assert without.find(text), "the look-alike case must contain a phrase of the vocabulary"
    assert words.find(text) == ()
    decision, code, _ = decide(hazard, text)
    assert code not in [r.code for r in decision.reasons]


def test_screening_cases_by_outcome():
    """The closing tally (issue 11): how each kind of case comes out."""
    tally: Counter[tuple[str, str]] = Counter()
    for hazard, cases in CASES.items():
        for kind, text in cases._asdict().items():
            decision, code, _ = decide(hazard, text)
            hit = code in [r.code for r in decision.reasons]
            tally[(kind, decision.status if hit else "no hit")] += 1
    assert tally[("plain", "declined")] + tally[("plain", "referred")] == len(CASES)
    assert tally[("negated", "no hit")] == tally[("look_alike", "no hit")] == len(CASES)
