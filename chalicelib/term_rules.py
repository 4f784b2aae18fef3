"""Reads the term rules packaged under `chalicelib/data/term/` once per process (the domain,
`chalicelib/domain/term/`, stays free of file I/O)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from chalicelib.domain.term.rules import ShortRateTable, TermRulebook, TermRulesFile

TERM_DIR = Path(__file__).resolve().parent / "data" / "term"


def read_term_rules(term_dir: Path = TERM_DIR) -> TermRulebook:
    return TermRulebook(
        ShortRateTable.model_validate_json((term_dir / "short_rate.json").read_bytes()),
        TermRulesFile.model_validate_json((term_dir / "programs.json").read_bytes()),
    )


@cache
def load_term_rules() -> TermRulebook:
    """The short-rate table and every program's term rules, validated once per process."""
    return read_term_rules(TERM_DIR)
