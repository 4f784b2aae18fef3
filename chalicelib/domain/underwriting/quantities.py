"""Heights and depths written in text, fed to the same numeric rules as the answers.

A measurement is a number (digits or number words: "40", "12.5", "forty-five", "three") with a
unit: feet ("feet", "foot", "ft", a ' mark: "40-foot", "20 ft", "35'") or stories ("story",
"stories", "storey", "storeys"). Ranges count their top ("20 to 40 feet", "20-40 ft").

- Feet count only with a context word in the same comma segment: height ("ladder", "roof",
  "high", "tall", "above", "lift", "scaffold", "ceiling", "climb"...), or depth ("deep", "depth",
  "trench", "excavation", "dig", "below", "underground"...), depth winning when both are there.
  "run 50 feet of duct" is a length, not a height: ignored.
- Stories are a height of 15 feet each (the guideline's own equivalence: "30 feet/two
  stories"), and never conclusive: a building's stories are not always the working height.
- Negated measurements are ignored ("we never use 40-foot ladders"), but a stated upper bound
  counts ("no more than 40 feet deep" is 40 feet); "under 40 feet" / "less than 40 feet" count
  as 40, inconclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from chalicelib.domain.underwriting.screening import Token, normalise, tokens

Dimension = Literal["height", "depth"]
FEET_PER_STORY = Decimal(15)

_UNITS = {"ft": "feet", "feet": "feet", "foot": "feet", "story": "stories", "stories": "stories",
          "storey": "stories", "storeys": "stories"}  # fmt: skip
_ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19, "single": 1, "double": 2, "triple": 3}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_HEIGHT = ("high", "height", "heights", "tall", "ladder", "ladders", "roof", "roofs",
           "rooftop", "rooftops", "above", "aloft", "elevation", "elevated", "lift", "lifts",
           "boom", "scaffold", "scaffolds", "scaffolding", "aerial", "climb", "climbs",
           "climbing", "ceiling", "ceilings", "pole", "poles", "tower", "towers")  # fmt: skip
_DEPTH = ("deep", "depth", "depths", "trench", "trenches", "trenching", "excavation",
          "excavations", "excavating", "excavate", "dig", "digs", "digging", "dug", "below",
          "underground", "bore", "boring", "shaft", "shafts", "hole", "holes")  # fmt: skip
_UPPER_BOUND = frozenset({"more", "higher", "deeper", "taller", "over", "above", "exceed",
                          "exceeds", "exceeding", "beyond", "greater"})  # fmt: skip
_BELOW_BOUND = frozenset({"under", "less", "below", "lower", "shallower"})
_NEGATORS = frozenset({"no", "not", "never", "without", "nor", "dont", "doesnt", "none"})
_RANGE_WORDS = frozenset({"to", "and", "or", "through"})
_CONTEXT_REACH = 4


@dataclass(frozen=True)
class Measurement:
    """A height or depth found in text, in feet, with the phrase it was read from."""

    dimension: Dimension
    feet: Decimal
    phrase: str
    certain: bool
    note: str = ""


@dataclass(frozen=True)
class _Number:
    value: Decimal
    first: int
    last: int


def _number_at(words: Sequence[Token], index: int) -> _Number | None:
    """A number starting at token `index`: digits, or number words ("forty five")."""
    text = words[index].text
    try:
        return _Number(Decimal(text), index, index)
    except InvalidOperation:
        pass
    if text in _ONES:
        return _Number(Decimal(_ONES[text]), index, index)
    if text in _TENS:
        value, last = _TENS[text], index
        if index + 1 < len(words) and words[index + 1].text in _ONES:
            value, last = value + _ONES[words[index + 1].text], index + 1
        if last + 1 < len(words) and words[last + 1].text == "hundred":
            value, last = value * 100, last + 1
        return _Number(Decimal(value), index, last)
    if text == "hundred":
        return _Number(Decimal(100), index, index)
    return None


def _glued(text: str) -> tuple[Decimal, str] | None:
    """ "40ft" in one word."""
    for suffix in ("ft", "feet", "foot"):
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "", 1).isdigit():
            return Decimal(text[: -len(suffix)]), "feet"
    return None


@lru_cache(maxsize=256)
def measurements(text: str) -> tuple[Measurement, ...]:
    """Every height and depth the text states, in text order."""
    words = tokens(text)
    lowered = normalise(text)
    found: list[Measurement] = []
    index = 0
    while index < len(words):
        glued = _glued(words[index].text)
        unit: str | None
        if glued is not None:
            number, unit, unit_at = _Number(glued[0], index, index), glued[1], index
        else:
            start = _number_at(words, index)
            if start is None:
                index += 1
                continue
            number, unit, unit_at = _unit_after(words, lowered, start)
            if unit is None:
                index = number.last + 1
                continue
        measurement = _measurement(text, words, number, unit, unit_at)
        if measurement is not None:
            found.append(measurement)
        index = unit_at + 1
    return tuple(found)


def _unit_after(
    words: Sequence[Token], lowered: str, number: _Number
) -> tuple[_Number, str | None, int]:
    """The unit after a number, over a range ("20 to 40 feet", "20-40 ft"); None without one."""
    after = number.last + 1
    same_segment = after < len(words) and words[after].segment == words[number.last].segment
    if same_segment:
        if words[after].text in _UNITS:
            return number, _UNITS[words[after].text], after
        top: _Number | None = None
        if words[after].text in _RANGE_WORDS and after + 1 < len(words):
            top = _number_at(words, after + 1)
        elif "-" in lowered[words[number.last].end : words[after].start]:
            top = _number_at(words, after)
        if top is not None:
            widened, unit, unit_at = _unit_after(words, lowered, top)
            if unit is not None:
                value = max(number.value, widened.value)
                return _Number(value, number.first, widened.last), unit, unit_at
    if lowered[words[number.last].end : words[number.last].end + 1] == "'":
        return number, "feet", number.last
    return number, None, number.last


def _measurement(
    text: str, words: Sequence[Token], number: _Number, unit: str, unit_at: int
) -> Measurement | None:
    segment = words[number.first].segment
    before = [w.text for w in words[max(0, number.first - _CONTEXT_REACH) : number.first]
              if w.segment == segment]  # fmt: skip
    after = [w.text for w in words[unit_at + 1 : unit_at + 1 + _CONTEXT_REACH]
             if w.segment == segment]  # fmt: skip
    bound = _bound(before)
    if bound == "negated":
        return None
    end = words[unit_at].end
    phrase = text[words[number.first].start : end + (1 if text[end : end + 1] in "'\u2032" else 0)]
    if unit == "stories":
        feet = number.value * FEET_PER_STORY
        note = f"{number.value} stories at {FEET_PER_STORY} feet each"
        return Measurement("height", feet, phrase, certain=False, note=note)
    context = before + after
    if any(word in _DEPTH for word in context):
        dimension: Dimension = "depth"
    elif any(word in _HEIGHT for word in context):
        dimension = "height"
    else:
        return None
    return Measurement(dimension, number.value, phrase, certain=bound != "below")


def _bound(before: Sequence[str]) -> str | None:
    """How the words before a number qualify it: negated, an upper bound, or "below" it."""
    near = list(before[-3:])
    if any(word in _BELOW_BOUND for word in near[-2:]):
        return "below"
    negated = any(word in _NEGATORS or word.endswith("n't") for word in near)
    if negated and any(word in _UPPER_BOUND for word in near):
        return "upper"
    return "negated" if negated else None


def of_dimension(text: str, dimension: Dimension) -> tuple[Measurement, ...]:
    """The text's measurements of one dimension, largest first."""
    found = [m for m in measurements(text) if m.dimension == dimension]
    return tuple(sorted(found, key=lambda m: m.feet, reverse=True))
