"""Load the packaged underwriting data: rulebooks, exposure vocabularies, trade profiles.

Files live in `chalicelib/data/rules/` (packaged by Chalice with the code), are validated by
pydantic when first read, and are cached for the life of the process. A new carrier program is a
new `<program>.json` here, not new code.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.underwriting import ContractorType, Rulebook, TermList

RULES_DIR = Path(__file__).parent / "data" / "rules"
_SHARED_FILES = frozenset({"exposure_terms.json", "trade_profiles.json"})


class UnknownProgramError(LookupError):
    """No rulebook is packaged for this program id."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ExposureVocabulary(_Data):
    """Shared term lists any rulebook may name in a `text_matches` condition."""

    effective_date: date
    source: str = Field(min_length=1)
    term_lists: dict[str, TermList]


class TradeProfile(_Data):
    """Per-trade underwriting classifications that are not rates."""

    contractor_type: ContractorType
    preferred_class: bool


class TradeProfiles(_Data):
    effective_date: date
    source: str = Field(min_length=1)
    trades: dict[str, TradeProfile]


def _read(name: str) -> Any:
    return json.loads((RULES_DIR / name).read_text(encoding="utf-8"))


@cache
def exposure_vocabulary() -> ExposureVocabulary:
    """The shared exposure term lists (`exposure_terms.json`)."""
    return ExposureVocabulary.model_validate(_read("exposure_terms.json"))


def rulebook_programs() -> tuple[str, ...]:
    """Every program id with a packaged rulebook."""
    return tuple(
        sorted(path.stem for path in RULES_DIR.glob("*.json") if path.name not in _SHARED_FILES)
    )


@cache
def load_rulebook(program_id: str) -> Rulebook:
    """The validated rulebook of a program; its own term lists win over the shared ones."""
    if program_id not in rulebook_programs():
        raise UnknownProgramError(f"no underwriting rulebook for program {program_id!r}")
    raw = _read(f"{program_id}.json")
    own_terms = raw.get("term_lists", {})
    raw["term_lists"] = {**exposure_vocabulary().term_lists, **own_terms}
    rulebook = Rulebook.model_validate(raw)
    if rulebook.program != program_id:
        raise ValueError(f"{program_id}.json declares program {rulebook.program!r}")
    return rulebook


@cache
def _trade_profiles() -> TradeProfiles:
    return TradeProfiles.model_validate(_read("trade_profiles.json"))


def trade_profile(trade: str) -> TradeProfile:
    """Contractor type (ICW minimum premiums) and preferred-class flag (Pie lapses) of a trade.

    Unknown trades are treated as non-preferred general contractors, the strictest reading.
    """
    default = TradeProfile(contractor_type="contractor", preferred_class=False)
    return _trade_profiles().trades.get(trade, default)
