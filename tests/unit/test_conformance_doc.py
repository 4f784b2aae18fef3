"""The conformance document is generated, complete and honest: it is what scripts/conformance.py
renders, every guideline sentence is quoted by a rule or noted, every note is verbatim in its
document and names only rules and tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.underwriting_rules import load_rulebook, rulebook_programs
from scripts.conformance import (
    ALWAYS,
    ANSWERED,
    DOC,
    FROM_TEXT,
    GUIDELINES,
    HAZARD_TESTS,
    THRESHOLD,
    notes,
    render,
    squash,
    uncovered,
)

REPO = Path(__file__).resolve().parents[2]
BOOKS = [load_rulebook(p) for p in rulebook_programs()]
RULE_IDS = {rule.id for book in BOOKS for rule in book.rules}
DOCUMENTS = sorted({rule.guideline.document for book in BOOKS for rule in book.rules})
NOTES = [(document, note) for document, entries in notes().items() for note in entries]


def test_the_document_is_what_the_generator_renders():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/underwriting-conformance.md is stale: run .venv/bin/python -m scripts.conformance"
    )


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_sentence_of_every_guideline_is_encoded_or_noted(document):
    assert uncovered(document, BOOKS) == []


@pytest.mark.parametrize(
    ("document", "note"), NOTES, ids=[f"{Path(d).name}:{n['sentence'][:30]}" for d, n in NOTES]
)
def test_a_note_is_verbatim_and_names_only_rules_and_tests_that_exist(document, note):
    text = squash((GUIDELINES / Path(document).name).read_text(encoding="utf-8"))
    assert squash(note["sentence"]) in text
    assert note["encoded"] in {"rule", "rating", "application", "lifecycle", "not_encoded"}
    assert set(note.get("rules", [])) <= RULE_IDS
    for test in note.get("tests", []):
        assert_test_exists(test)
    if note["encoded"] in {"rule", "rating", "application"}:
        assert note.get("tests"), "a claim needs a test"


@pytest.mark.parametrize("test", [*ALWAYS, *HAZARD_TESTS, ANSWERED, THRESHOLD, FROM_TEXT])
def test_every_test_the_document_derives_exists(test):
    assert_test_exists(test)


def assert_test_exists(test: str) -> None:
    path, _, name = test.partition("::")
    source = (REPO / path).read_text(encoding="utf-8")
    assert re.search(rf"^(def|class) {re.escape(name)}\b|^{re.escape(name)} = ", source, re.M), test
