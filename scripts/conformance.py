"""Generate docs/underwriting-conformance.md from the rule data, the notes and the tests.

Every guideline sentence is accounted for: quoted by a rule in `chalicelib/data/rules/` (with the
tests that prove it, derived from the test tables), or listed in
`docs/guidelines/conformance-notes.json` with how it is handled and the tests that prove that
(or none, when nothing is claimed). `tests/unit/test_conformance_doc.py` fails when the document
differs from what this renders, when a sentence is neither quoted nor noted, and when a note or a
rule names a test that does not exist: a claim without a rule and a test cannot be written.

    .venv/bin/python -m scripts.conformance          # rewrite the document
    .venv/bin/python -m scripts.conformance --check  # exit 1 when it is stale
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from chalicelib.domain.underwriting import Rule, Rulebook
from chalicelib.underwriting_rules import load_rulebook, rulebook_programs

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "underwriting-conformance.md"
GUIDELINES = REPO / "docs" / "guidelines"
NOTES = GUIDELINES / "conformance-notes.json"
PROGRAMS = ("multistate-wc", "california-wc", "contractors-gl")
ALWAYS = (
    "tests/unit/test_underwriting_fixtures.py::test_rule_fires_on_its_trigger_and_not_on_the_clean_baseline",
    "tests/unit/test_rules_reachable.py::test_the_request_triggers_the_rule",
    "tests/unit/test_underwriting_data.py::test_rule_quote_is_verbatim_in_its_guideline_document",
)  # fmt: skip
HAZARD_TESTS = (
    "tests/unit/test_screening.py::test_plain_text_names_the_hazard_conclusively",
    "tests/unit/test_screening.py::test_a_paraphrase_without_any_listed_term_is_caught",
    "tests/unit/test_screening.py::test_a_negated_sentence_is_no_hit",
    "tests/unit/test_screening.py::test_a_look_alike_is_no_hit_though_it_contains_a_listed_phrase",
)
ANSWERED = "tests/unit/test_application.py::test_every_hazard_of_the_catalogue_fires_its_rule_when_answered"  # noqa: E501
THRESHOLD = "tests/unit/test_numeric_rules.py::test_numeric_rule_at_below_and_above_its_threshold"
FROM_TEXT = (
    "tests/unit/test_numeric_rules.py::test_heights_and_depths_written_in_the_text_count_as_answers"
)
MATCHER_LIMITS = """\
- Patterns are words, prefixes, single-word alternatives and gaps of up to three words inside one
  comma segment: word order matters ("trees we remove" is not `remov* ... tree`), and a paraphrase
  nobody listed is missed (the hazards answer is the primary net; the description is the second).
- Negation is lexical: a negator ("no", "not", "never", "without", "excluding", "except", "n't",
  "other than" ...) up to four words before a hit in its clause negates it; farther back in the
  clause the hit becomes unclear (refers); a negator just after a hit makes it unclear. A comma
  list after a negator stays negated unless a new statement starts ("we", "is", "including" ...).
  Double negatives and sarcasm are not understood.
- Look-alikes are listed per hazard; a sense nobody listed is read as the hazard (a fail-safe
  error: a referral or a decline an underwriter can overturn).
- Quantities: digits, decimals and number words up to ninety-nine (and "hundred"); "twelve and a
  half" is not parsed. Feet count only next to a height or depth word in the same comma segment
  ("run 50 feet of duct" is ignored); stories count 15 feet each and only refer.
- English only; no spelling correction ("asbestoes" is missed). No NLP library: pure Python over
  the packaged vocabularies. Measured: a 2,000-character description screens in about 10 ms
  across two programs (2 ms for a typical one); the three rulebooks load and compile their
  patterns in about 9 ms on the first quote; `import app` grew by about 17 ms
  (`bench/cold_start.py`: 341 -> 358 ms)."""


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def statements(text: str) -> list[str]:
    """The document's sentences and bullet items, whitespace squashed."""
    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if not stripped or stripped.startswith(("•", "- ")):
            if block:
                paragraphs.append(squash(" ".join(block)))
            block = [stripped.lstrip("•- ").strip()] if stripped else []
            continue
        block.append(stripped)
    found: list[str] = []
    for paragraph in paragraphs:
        found += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", paragraph) if s.strip()]
    return found


def is_heading(statement: str, document: str) -> bool:
    """A line of its own, short and without end punctuation: a section title."""
    lines = {squash(line) for line in document.splitlines()}
    short = len(statement.split()) <= 8 and not statement.endswith((".", ":", "?", "!"))
    return short and statement in lines and not _is_bullet(statement, document)


def _is_bullet(statement: str, document: str) -> bool:
    return any(
        squash(line.strip().lstrip("•- ")) == statement
        for line in document.splitlines()
        if line.strip().startswith(("•", "- "))
    )


def notes() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(NOTES.read_text(encoding="utf-8"))
    return data


def uncovered(document: str, rulebooks: list[Rulebook]) -> list[str]:
    """Sentences of a guideline document neither quoted by a rule nor noted."""
    text = (GUIDELINES / Path(document).name).read_text(encoding="utf-8")
    quotes = [
        squash(r.quote) for b in rulebooks for r in b.rules if r.guideline.document == document
    ]
    quotes += [squash(n["sentence"]) for n in notes().get(document, [])]
    return [
        s
        for s in statements(text)
        if not is_heading(s, text) and not any(q in s or s in q for q in quotes)
    ]


def rule_tests(program: str, rule: Rule) -> list[str]:
    """The tests that prove a rule beyond the three every rule has, from the test tables that
    cover every rule of a kind (the hazards' case matrix, the numeric thresholds)."""
    from tests.unit.test_numeric_rules import FROM_TEXT_RULES, NUMERIC

    tests: list[str] = []
    if rule.hazards():
        tests += HAZARD_TESTS
        if program == "multistate-wc":
            tests.append(ANSWERED)
    if any(rule_id == rule.id for _, rule_id, _ in NUMERIC):
        tests.append(THRESHOLD)
    if rule.id in FROM_TEXT_RULES:
        tests.append(FROM_TEXT)
    return tests


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _short(test: str) -> str:
    path, _, name = test.partition("::")
    return f"`{Path(path).name}::{name}`" if name else f"`{Path(path).name}`"


def render() -> str:
    rulebooks = [load_rulebook(p) for p in rulebook_programs()]
    by_program = {b.program: b for b in rulebooks}
    out = [
        "# Underwriting conformance",
        "",
        "Generated by `scripts/conformance.py` from the rule data (`chalicelib/data/rules/`), the",
        "applications (`chalicelib/data/rules/applications/`), the notes",
        "(`docs/guidelines/conformance-notes.json`) and the test tables; do not edit by hand:",
        "`tests/unit/test_conformance_doc.py` fails when it is stale, when a guideline sentence is",
        "neither encoded nor noted, or when a claim names a test that does not exist.",
        "",
        "Outcomes: `decline` (line declined), `refer` (an underwriter decides), `note` (a",
        "reason; status unchanged). A decline resting only on unclear wording refers. Scopes:",
        "`risk` (quote, renewal, a trade first underwritten on a dispatch), `term` (quote and",
        "renewal), `dispatch` (also every dispatch). A WC line missing a required application",
        "answer is referred (`missing_information`), never eligible on silence.",
        "",
        "Every rule is proven by "
        + ", ".join(f"{_short(t)[:-1]}[<rule id>]`" for t in ALWAYS)
        + " (fires on its trigger and not on a clean risk; some request triggers it; its quote is "
        "verbatim in its document); the Tests column names the further ones.",
        "",
        *_summary(by_program),
    ]
    for program in PROGRAMS:
        out += _program_section(by_program[program])
    out += _vocabularies(by_program)
    out += ["## The matcher's limits", "", MATCHER_LIMITS, ""]
    out += _trade_profiles()
    return "\n".join(out) + "\n"


def _summary(by_program: dict[str, Rulebook]) -> list[str]:
    from tests.unit.screening_cases import CASES

    lines = ["## Summary", ""]
    for program in PROGRAMS:
        book = by_program[program]
        outcomes = Counter(rule.outcome for rule in book.rules)
        catalogue = len(book.hazard_catalogue())
        counts = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
        lines.append(
            f"- `{program}`: {len(book.rules)} rules ({counts}); hazard catalogue: {catalogue}."
        )
    kinds = len(next(iter(CASES.values())))
    lines += [
        f"- Screening cases: {len(CASES)} hazards x {kinds} kinds (plain text, paraphrase, "
        "negated, look-alike) = "
        f"{len(CASES) * kinds}, plus each catalogue hazard answered; plain text and paraphrase "
        "hit (decline, or refer where the rule refers), negated and look-alike never hit.",
        "",
    ]
    return lines


def _program_section(book: Rulebook) -> list[str]:
    document = book.rules[0].guideline.document
    lines = [f"## {book.program}: `{document}`", ""]
    if book.application is not None:
        lines += [f"### Application (version {book.application.version})", ""]
        lines += ["| Asked | Required | Guideline |", "|---|---|---|"]
        for q in book.application.questions:
            lines.append(f"| `operations.{q.id}` ({q.type}) | yes | {q.guideline.section} |")
        for c in book.application.contractor_facts:
            when = (
                "when "
                + _cell(
                    json.dumps(
                        c.required_when.model_dump(mode="json", by_alias=True, exclude_none=True)
                    )
                )
                if c.required_when
                else "yes"
            )
            lines.append(f"| `contractor.{c.field}` | {when} | {c.guideline.section} |")
        lines.append("")
    lines += ["### Rules", "", "| Section | Guideline sentence | Rule | Interpretation | Tests |"]
    lines.append("|---|---|---|---|---|")
    for rule in book.rules:
        encoded = f"`{rule.id}` ({rule.outcome}, `{rule.code}`, {rule.scope})"
        tests = ", ".join(_short(t) for t in rule_tests(book.program, rule)) or "(the three)"
        lines.append(
            f"| {_cell(rule.guideline.section)} | {_cell(squash(rule.quote))} | {encoded} | "
            f"{_cell(rule.note or '')} | {tests} |"
        )
    noted = notes().get(document, [])
    if noted:
        lines += ["", "### Other sentences", "", "| Section | Sentence | Handled | Tests |"]
        lines.append("|---|---|---|---|")
        for note in noted:
            rules = ", ".join(f"`{r}`" for r in note.get("rules", []))
            handled = f"{note['encoded']}: {note['how']}" + (f" ({rules})" if rules else "")
            tests = ", ".join(_short(t) for t in note.get("tests", [])) or "none claimed"
            lines.append(
                f"| {_cell(note['section'])} | {_cell(note['sentence'])} | {_cell(handled)} | "
                f"{tests} |"
            )
    return [*lines, ""]


def _vocabularies(by_program: dict[str, Rulebook]) -> list[str]:
    """Each hazard's vocabulary: what refers only, and the look-alikes decided not to be it."""
    lines = [
        "## Hazard vocabularies (`chalicelib/data/rules/exposure_terms.json`)",
        "",
        "Terms and paraphrases are conclusive (a decline may rest on them); ambiguous phrases",
        "only refer; a hit sharing a word with a look-alike is no hit.",
        "",
        "| Hazard | Meaning | Terms + paraphrases | Ambiguous (refer) | Look-alikes (no hit) |",
        "|---|---|---|---|---|",
    ]
    codes = sorted({e.code for b in by_program.values() for e in b.hazard_catalogue()})
    vocabulary = by_program["multistate-wc"].term_lists
    for code in codes:
        words = vocabulary[code]
        lines.append(
            f"| `{code}` | {_cell(words.meaning)} | {len(words.terms) + len(words.paraphrases)} | "
            f"{_cell(', '.join(words.ambiguous)) or '-'} | "
            f"{_cell('; '.join(words.look_alikes)) or '-'} |"
        )
    return [*lines, ""]


def _trade_profiles() -> list[str]:
    data = json.loads((REPO / "chalicelib/data/rules/trade_profiles.json").read_text())
    lines = ["## Trade classifications (`trade_profiles.json`, assumptions)", ""]
    lines += [f"{data['source']}", "", "| trade | ICW contractor type | Pie preferred class |"]
    lines.append("|---|---|---|")
    for trade, profile in data["trades"].items():
        preferred = "yes" if profile["preferred_class"] else "no"
        lines.append(f"| {trade} | {profile['contractor_type']} | {preferred} |")
    return [*lines, ""]


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        return 0 if DOC.read_text(encoding="utf-8") == text else 1
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
