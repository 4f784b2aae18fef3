"""Exposure phrase matching: whole words, synonyms, plurals, negative contexts, near misses."""

from __future__ import annotations

import pytest

from chalicelib.domain.underwriting.text import TermList, phrase_pattern
from chalicelib.underwriting_rules import exposure_vocabulary


def found(term_list: str, text: str) -> tuple[str, ...]:
    return exposure_vocabulary().term_lists[term_list].find(text)


@pytest.mark.parametrize(
    ("term_list", "text"),
    [
        ("tree_work", "tree removal in the back yard"),
        ("tree_work", "Removing trees that overhang the roof"),
        ("tree_work", "trimming trees and hedges"),
        ("tree_work", "stump grinding"),
        ("tree_work", "Tree-trimming"),
        ("welding", "welding brackets"),
        ("welding", "welded steel gate"),
        ("demolition", "demolition of a shed"),
        ("demolition", "interior demo of the kitchen"),
        ("bridge_work", "bridge repair on route 9"),
        ("lead_mold_abatement", "lead abatement"),
        ("lead_mold_abatement", "MOLD REMEDIATION in basement"),
        ("blasting", "blasting rock"),
        ("dock_sea_walls", "building a boat dock"),
        ("dock_sea_walls", "repair two docks on the lake"),
        ("oil_gas_mining", "support crew at a coal mine"),
        ("watercraft", "we lease boats"),
        ("uslh_exposure", "USL&H exposure at the port"),
        ("holiday_decorations", "Christmas lights install"),
        ("cannabis", "THC extraction room"),
        ("structural_framing", "framer for additions"),
    ],
)
def test_exposure_phrase_matches(term_list, text):
    assert found(term_list, text)


@pytest.mark.parametrize(
    ("term_list", "text"),
    [
        ("tree_work", "HVAC tune-up on a tree-lined street"),
        ("tree_work", "install a Christmas tree stand outlet"),
        ("tree_work", "replace the street light"),
        ("welding", "wielding a torque wrench"),
        ("welding", "fix the Weldon family's sink"),
        ("demolition", "demo of the new app to the dispatcher"),
        ("demolition", "product demo"),
        ("bridge_work", "furnace repair in Cambridge"),
        ("bridge_work", "dental bridge lab HVAC"),
        ("lead_mold_abatement", "leading HVAC installer"),
        ("lead_mold_abatement", "lead technician on the job"),
        ("lead_mold_abatement", "crown molding install"),
        ("blasting", "sandblasting a patio"),
        ("blasting", "sand blasting of railings"),
        ("blasting", "abrasive blasting before painting"),
        ("dock_sea_walls", "repair loading dock door"),
        ("dock_sea_walls", "dock leveler service"),
        ("oil_gas_mining", "server room HVAC for a crypto mining rig"),
        ("oil_gas_mining", "determine the leak source"),
        ("watercraft", "replace the boiler pressure vessel"),
        ("watercraft", "boatload of paperwork"),
        ("cannabis", "weed control and mowing"),
        ("structural_framing", "picture framing shop lighting"),
        ("structural_framing", "frame a new door"),
        ("tunneling", "electrician with carpal tunnel"),
        ("railroad", "install stair handrail"),
        ("firefighters_police", "HVAC at the fire station"),
        ("explosives_hazmat", "caulking gun and nail gun"),
        ("nuclear", "unclear wiring"),
        ("amusement", "lights at the exhibition hall"),
    ],
)
def test_near_miss_phrase_does_not_match(term_list, text):
    assert found(term_list, text) == ()


def test_found_phrases_are_reported_as_written():
    assert found("tree_work", "Tree Removal, then stump grinding") == (
        "Tree Removal",
        "stump grinding",
    )


def test_exposure_outside_a_negative_context_still_counts():
    assert found("blasting", "sandblasting the deck and blasting the ledge") == ("blasting",)


def test_last_word_may_be_plural_but_earlier_words_may_not():
    pattern = phrase_pattern("removing tree")
    assert pattern.search("removing trees")
    assert not phrase_pattern("tree removal").search("trees removal")


def test_term_list_needs_words():
    with pytest.raises(ValueError, match="at least one word"):
        TermList(meaning="empty", terms=("  ",)).validate_patterns()
