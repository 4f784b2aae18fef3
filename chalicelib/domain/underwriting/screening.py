"""Screening free text the way an underwriter reads it: phrases, paraphrases, look-alikes and
negation, over words grouped into sentences, clauses and comma segments.

A vocabulary pattern is a sequence of space-separated elements: a word (`tree`), a prefix
(`remov*`), alternatives of single words (`cut*|fell*|grind*`) or a gap `...` (up to three words
of the same comma segment). A phrase's last word may take a plural ("tree removals"); in a pattern
with a gap every word may ("removes dead trees" matches `remov* ... tree`).

Each hit is screened for:
- look-alikes: a hit that shares a word with a look-alike phrase of its vocabulary is no hit
  (the word is read in the look-alike's sense: "vessel sink", "lead-free paint");
- negation: a negator ("no", "not", "never", "without", "excluding", "except", "n't" ...) before
  the hit in its clause negates it when at most four words lie between ("no tree work", "we never
  disturb asbestos", "no welding or hot work"), as does one inside a paraphrase's gap ("we are
  not a public ..."), and it carries on through comma segments that only
  continue a list ("no asbestos, lead or mold work"); a clause ends at . ; : ! ? ( ), a line
  break, or "but", "however", "although", "though", "whereas", "while", "yet", "because";
- certainty: a hit is `certain` (a decline may rest on it) unless it comes from an ambiguous
  phrase of its vocabulary (a word sense the context may not carry: "school district"), a
  negator too far before it in its clause, or a negator just after it ("tree removal is not
  ..."): then an underwriter decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"\d+\.\d+|[a-z0-9]+(?:['&][a-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.;!?\n]")
_CLAUSE_END = re.compile(r"[:()\[\]]")
CLAUSE_WORDS = frozenset(
    {"but", "however", "although", "though", "whereas", "while", "yet", "because"}
)
NEGATORS = frozenset(
    {"no", "not", "never", "without", "excluding", "exclude", "excludes", "except", "nor",
     "none", "neither", "avoid", "avoids", "refuse", "refuses", "cannot", "dont", "doesnt",
     "didnt", "wont", "cant", "isnt", "arent"}
)  # fmt: skip
# "... and we do tree removal": a new subject after a conjunction starts a new clause.
_SUBJECTS = frozenset({"we", "i", "they"})
_CONJUNCTIONS = frozenset({"and", "or", "so", "then"})
# Words that start a new statement inside a comma segment: it no longer continues a negated list.
_STATEMENT_WORDS = frozenset(
    {"we", "i", "you", "they", "he", "she", "it", "our", "us", "also", "do", "does", "did",
     "will", "is", "are", "was", "were", "has", "have", "can", "including", "include",
     "includes", "like", "such", "perform", "performs", "provide", "provides", "offer", "offers",
     "specialize", "specializes", "specialise", "specialises", "then", "plus"}
)  # fmt: skip
NEGATION_REACH = 4  # words between a negator and a hit it negates
AFTER_REACH = 4  # words after a hit in which a negator makes it unclear
GAP_WORDS = 3


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    sentence: int
    clause: int
    segment: int


@dataclass(frozen=True)
class Hit:
    """A phrase of the text that means the vocabulary's hazard; `certain`: unambiguous."""

    phrase: str
    certain: bool
    note: str = ""


def normalise(text: str) -> str:
    """Lower-case with typographic quotes and dashes made plain."""
    table = str.maketrans(
        {"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-", "\u2032": "'"}
    )
    return text.translate(table).lower()


@lru_cache(maxsize=256)
def tokens(text: str) -> tuple[Token, ...]:
    """The words of a text with their sentence, clause and comma-segment numbers."""
    lowered = normalise(text)
    found: list[Token] = []
    sentence = clause = segment = 0
    previous_end = 0
    for match in _TOKEN.finditer(lowered):
        gap = lowered[previous_end : match.start()]
        word = match.group()
        if found:
            if _SENTENCE_END.search(gap):
                sentence, clause, segment = sentence + 1, clause + 1, segment + 1
            elif (
                _CLAUSE_END.search(gap)
                or word in CLAUSE_WORDS
                or (word in _SUBJECTS and found[-1].text in _CONJUNCTIONS)
            ):
                clause, segment = clause + 1, segment + 1
            elif "," in gap:
                segment += 1
        found.append(Token(word, match.start(), match.end(), sentence, clause, segment))
        previous_end = match.end()
    return tuple(found)


@dataclass(frozen=True)
class Words:
    """A text's tokens and where each distinct word occurs (patterns start only there)."""

    tokens: tuple[Token, ...]
    at: dict[str, tuple[int, ...]]

    def starts(self, alternatives: tuple[_Word, ...]) -> list[int]:
        positions: set[int] = set()
        for alternative in alternatives:
            if alternative.prefix:
                for word, found in self.at.items():
                    if word.startswith(alternative.text):
                        positions.update(found)
                continue
            forms = [alternative.text]
            if alternative.plural:
                forms += [alternative.text + "s", alternative.text + "es"]
            for form in forms:
                positions.update(self.at.get(form, ()))
        return sorted(positions)


@lru_cache(maxsize=256)
def words_of(text: str) -> Words:
    found = tokens(text)
    at: dict[str, list[int]] = {}
    for index, token in enumerate(found):
        at.setdefault(token.text, []).append(index)
    return Words(found, {word: tuple(positions) for word, positions in at.items()})


# -- patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    text: str
    prefix: bool
    plural: bool

    def matches(self, word: str) -> bool:
        if self.prefix:
            return word.startswith(self.text)
        if word == self.text:
            return True
        return self.plural and word in (self.text + "s", self.text + "es")


_GAP = None
Element = tuple[_Word, ...] | None  # alternatives, or a gap


@dataclass(frozen=True)
class Pattern:
    """A compiled vocabulary phrase."""

    source: str
    elements: tuple[Element, ...]

    def find(self, text: Words) -> list[tuple[int, int]]:
        """(first, last) token indexes of every match, within one comma segment."""
        first = self.elements[0]
        assert first is not None
        words = text.tokens
        spans: list[tuple[int, int]] = []
        for start in text.starts(first):
            end = self._match(words, 0, start, words[start].segment)
            if end is not None:
                spans.append((start, end))
        return spans

    def _match(self, words: Sequence[Token], element: int, at: int, segment: int) -> int | None:
        if element == len(self.elements):
            return at - 1
        current = self.elements[element]
        if current is None:
            for skip in range(GAP_WORDS + 1):
                found = self._match(words, element + 1, at + skip, segment)
                if found is not None:
                    return found
                if at + skip >= len(words) or words[at + skip].segment != segment:
                    return None
            return None
        if at >= len(words) or words[at].segment != segment:
            return None
        if not any(alternative.matches(words[at].text) for alternative in current):
            return None
        return self._match(words, element + 1, at + 1, segment)


@lru_cache(maxsize=4096)
def compile_pattern(source: str) -> Pattern:
    """`tree removal`, `remov* ... tree|stump`: words, prefixes, alternatives and gaps."""
    chunks = normalise(source).split()
    if not chunks or all(chunk == "..." for chunk in chunks):
        raise ValueError(f"a pattern needs at least one word: {source!r}")
    if chunks[0] == "..." or chunks[-1] == "...":
        raise ValueError(f"a pattern cannot start or end with a gap: {source!r}")
    words = [index for index, chunk in enumerate(chunks) if chunk != "..."]
    gapped = len(words) != len(chunks)
    elements: list[Element] = []
    for index, chunk in enumerate(chunks):
        if chunk == "...":
            elements.append(_GAP)
            continue
        last = gapped or index == words[-1]
        alternatives: list[_Word] = []
        for option in chunk.split("|"):
            prefix = option.endswith("*")
            parts = [t.group() for t in _TOKEN.finditer(option.rstrip("*"))]
            if len(parts) != 1:
                # "tree-trimming" or "oil & gas" inside one chunk: each word its own element.
                if "|" in chunk or prefix:
                    raise ValueError(f"alternatives must be single words: {source!r}")
                for position, part in enumerate(parts):
                    plural = last and position == len(parts) - 1
                    elements.append((_Word(part, False, plural),))
                break
            alternatives.append(_Word(parts[0], prefix, last and not prefix))
        else:
            elements.append(tuple(alternatives))
    if not elements or elements[0] is None:
        raise ValueError(f"a pattern needs at least one word: {source!r}")
    return Pattern(source, tuple(elements))


# -- screening --------------------------------------------------------------------------------


def _negated_before(words: Sequence[Token], first: int) -> tuple[bool, bool]:
    """(negated, unclear): a negator earlier in the hit's clause, near or far."""
    hit = words[first]
    for index in range(first - 1, -1, -1):
        word = words[index]
        if word.clause != hit.clause:
            return False, False
        if _is_negator(words, index):
            if word.segment == hit.segment:
                between = first - index - 1
                return (True, False) if between <= NEGATION_REACH else (False, True)
            return (True, False) if _continues_list(words, index, first) else (False, False)
    return False, False


def _continues_list(words: Sequence[Token], negator: int, first: int) -> bool:
    """Every comma segment from the negator's to the hit's only continues a list."""
    for index in range(negator + 1, first):
        word = words[index]
        if word.segment != words[negator].segment and word.text in _STATEMENT_WORDS:
            return False
    segments = {words[index].segment for index in range(negator, first + 1)}
    return len(segments) <= 4


def _negated_after(words: Sequence[Token], last: int) -> bool:
    hit = words[last]
    for index in range(last + 1, min(last + 1 + AFTER_REACH, len(words))):
        if words[index].sentence != hit.sentence:
            return False
        if _is_negator(words, index):
            return True
    return False


def _is_negator(words: Sequence[Token], index: int) -> bool:
    word = words[index].text
    if word in NEGATORS or word.endswith("n't"):
        return True
    # "other than tree work"
    return word == "than" and index > 0 and words[index - 1].text == "other"


def screen(
    text: str,
    phrases: Sequence[str],
    ambiguous: Sequence[str] = (),
    look_alikes: Sequence[str] = (),
) -> tuple[Hit, ...]:
    """The hits of a vocabulary in `text`, look-alikes and negated hits left out."""
    if not text:
        return ()
    text_words = words_of(text)
    words = text_words.tokens
    if not words:
        return ()
    excluded = [span for source in look_alikes for span in compile_pattern(source).find(text_words)]
    found: dict[tuple[int, int], Hit] = {}
    for sources, clear in ((phrases, True), (ambiguous, False)):
        for source in sources:
            for first, last in compile_pattern(source).find(text_words):
                if any(first <= high and low <= last for low, high in excluded):
                    continue
                if (first, last) in found and found[(first, last)].certain:
                    continue
                hit = _judge(text, words, first, last, clear)
                if hit is not None:
                    found[(first, last)] = hit
    return _outermost(found)


def _judge(text: str, words: Sequence[Token], first: int, last: int, clear: bool) -> Hit | None:
    negated, far = _negated_before(words, first)
    if negated or any(_is_negator(words, index) for index in range(first + 1, last)):
        return None
    phrase = text[words[first].start : words[last].end]
    if not clear:
        return Hit(phrase, False, "a word that may mean something else here")
    if far:
        return Hit(phrase, False, "a negation earlier in the sentence may cover it")
    if _negated_after(words, last):
        return Hit(phrase, False, "a negation follows it")
    return Hit(phrase, True)


def _outermost(found: dict[tuple[int, int], Hit]) -> tuple[Hit, ...]:
    """Hits in text order; one inside a longer hit of the same certainty or less is dropped."""
    spans = sorted(found, key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int]] = []
    for span in spans:
        inside = [
            other
            for other in kept
            if other[0] <= span[0] and span[1] <= other[1] and found[other].certain
        ]
        if not inside:
            kept.append(span)
    seen: set[str] = set()
    hits: list[Hit] = []
    for span in kept:
        hit = found[span]
        if hit.phrase.lower() not in seen:
            seen.add(hit.phrase.lower())
            hits.append(hit)
    return tuple(hits)
