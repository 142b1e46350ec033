"""From what a reader types to a query plan (:class:`Plan`).

The reader's syntax is small and forgiving: words, "quoted phrases" and -exclusions
(of a word or a "phrase"). Anything else (Whoosh's own syntax such as ``title:``,
``[a TO b]``, ``~2``, ``^3``, stray quotes) is read as plain text, never as operators,
so no input can make the parser fail.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType

from search import fields
from search.analysis.analyzers import COMPOUND_JOINER, compound_analyzer, syllable_texts
from search.lexicon.abbreviations import Abbreviations
from search.lexicon.accents import AccentVocabulary
from search.query.corrections import corrected
from search.query.fillers import HAND_FILLERS, FillerWords
from search.query.keystrokes import is_syllable
from search.results import Document
from search.snippets import Marks, mark_all, marks_for
from search.text import fold, has_diacritics, normalize

# Weights of the views of the text and of the query's words, chosen on the ViNewsQA dev
# questions by search/tools/tune.py and kept in weights.json (see BENCHMARKS.md).
WEIGHTS_FILE = Path(__file__).with_name("weights.json")
WEIGHTS: dict[str, float] = {
    name: float(value)
    for name, value in json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")).items()
    if not name.startswith("_")  # "_about"
}
TITLE_BOOST = WEIGHTS["TITLE_BOOST"]  # the headline's views, beside the text's
ACCENT_BOOST = WEIGHTS["ACCENT_BOOST"]  # an exact-accent match scores on the accented view too
FOLD_BOOST = WEIGHTS["FOLD_BOOST"]  # the folded view, when the query has accents (else the only one)
COMPOUND_BOOST = WEIGHTS["COMPOUND_BOOST"]  # pyvi's compounds of the query, in the words view
PAIR_BOOST = WEIGHTS["PAIR_BOOST"]  # two query syllables side by side in the document
EXPANSION_BOOST = 0.7  # an abbreviation's other form counts, a little less
CORRECTION_BOOST = 0.8  # a typo's correction counts below the exact word
COMPLETION_BOOST = 0.8  # a word the last one is the start of counts below the word itself
MAX_COMPLETIONS = 10  # syllables a prefix stands for, the most used
ALL_REQUIRED_UP_TO = 4  # syllables; longer queries need only some of their words
MIN_MATCH_FRACTION = WEIGHTS["MIN_MATCH_FRACTION"]  # of a long query's non-filler words, this many match
# A whole query in one passage of a document: this share of the best score is added
# (search/query/proximity.py reorders the first stage's best documents).
PROXIMITY_BOOST = WEIGHTS["PROXIMITY_BOOST"]

FILLER_WEIGHT = WEIGHTS["FILLER_WEIGHT"]  # a filler word scored in a query of nothing else

_USER_SYNTAX = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"|(?P<neg_word>-?)(?P<word>[^\s"]+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@dataclass
class ParsedQuery:
    """The reader's query as lowercased, normalised syllables."""

    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases

    def positive_syllables(self) -> list[str]:
        return self.terms + [s for phrase in self.phrases for s in phrase]


def _printable(text: str) -> str:
    """Drop control and format characters (keep spaces and line breaks as spaces)."""
    return "".join(
        " " if ch.isspace() else ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace()
    )


def parse(text: str) -> ParsedQuery:
    """Read words, "phrases" and -exclusions; never raises."""
    parsed = ParsedQuery()
    text = normalize(_printable(text)).translate(_QUOTES)
    for match in _USER_SYNTAX.finditer(text):
        if match.group("phrase") is not None:
            syllables = syllable_texts(match.group("phrase"))
            negative = bool(match.group("neg"))
        else:
            syllables = syllable_texts(match.group("word"))
            negative = bool(match.group("neg_word"))
        if not syllables:
            continue
        if negative:
            parsed.excluded.append(syllables)
        elif match.group("phrase") is not None and len(syllables) > 1:
            parsed.phrases.append(syllables)
        else:
            parsed.terms.extend(syllables)
    return parsed


@dataclass(frozen=True)
class TermRef:
    """One term of one view of the text, and how much it counts."""

    field: str
    text: str
    boost: float = 1.0
    # False when another term of the same syllable already has every document this one
    # has (an accented term beside its folded form): it only adds to the score.
    matches: bool = True


# A syllable matches through any of its terms; an alternative needs all its syllables;
# a clause is met by any of its alternatives (the words as typed, or an abbreviation's
# other form).
Syllable = list[TermRef]
Alternative = list[Syllable]


@dataclass(frozen=True)
class Phrase:
    """Documents in which ``words`` stand one after another in one of ``fields``."""

    fields: tuple[str, ...]
    words: tuple[str, ...]


# Documents a phrase or exclusion names: those with any of these terms, or a phrase's.
Condition = list[TermRef] | Phrase


@dataclass
class Clause:
    alternatives: list[Alternative]
    filler: bool = False  # a question or function word: scores, never required


@dataclass
class Plan:
    """How to answer a query: what must match, what scores, what is excluded.

    Short queries need every clause ("Phú Xuyên" must not match every "Trần Phú");
    longer ones need ``min_match`` of their non-filler clauses, so a long question
    still finds its article. Quoted ``phrases`` must all match; ``exclusions`` remove.
    """

    clauses: list[Clause] = field(default_factory=list)
    boosts: list[TermRef] = field(default_factory=list)
    phrases: list[Condition] = field(default_factory=list)
    exclusions: list[Condition] = field(default_factory=list)
    min_match: int = 0

    @property
    def matches_everything(self) -> bool:
        return not self.clauses and not self.phrases


def _syllable(syllable: str, exact: bool, weight: float = 1.0) -> Syllable:
    """One syllable, matched without accents; when the reader typed accents (``exact``),
    the syllable as typed scores again on the accented view ("bà" is not "ba")."""
    folded = fold(syllable)
    fold_weight = weight * (FOLD_BOOST if exact else 1.0)
    refs = [
        TermRef(fields.BODY_FOLDED, folded, fold_weight),
        TermRef(fields.TITLE_FOLDED, folded, fold_weight * TITLE_BOOST),
    ]
    if exact:
        refs += [
            TermRef(fields.BODY, syllable, weight * ACCENT_BOOST, matches=False),
            TermRef(fields.TITLE, syllable, weight * ACCENT_BOOST * TITLE_BOOST, matches=False),
        ]
    return refs


def _phrase_query(syllables: list[str]) -> Condition:
    """An exact phrase in the headline or the text, accents ignored. Two syllables are
    one term of the pairs view; longer phrases are checked in the text."""
    folded = [fold(s) for s in syllables]
    if len(folded) == 2:
        return [TermRef(fields.PAIRS, COMPOUND_JOINER.join(folded))]
    return Phrase((fields.BODY_FOLDED, fields.TITLE_FOLDED), tuple(folded))


def _exclusion(syllables: list[str]) -> Condition:
    """What an exclusion removes: as typed, with accents when it has them ("-Tây" does
    not remove every "tay"), accent-insensitively when typed without."""
    folded = [fold(s) for s in syllables]
    if folded == syllables:
        if len(folded) == 2:
            return [TermRef(fields.PAIRS, COMPOUND_JOINER.join(folded))]
        views = (fields.BODY_FOLDED, fields.TITLE_FOLDED)
    else:
        views, folded = (fields.BODY, fields.TITLE), syllables
    if len(folded) == 1:
        return [TermRef(name, folded[0]) for name in views]
    return Phrase(views, tuple(folded))


def _filler_spans(terms: list[str], fillers: FillerWords) -> Mapping[int, int]:
    """Where a query's filler words start, and how many syllables each has (none in a
    short query)."""
    if len(terms) <= ALL_REQUIRED_UP_TO:
        return {}
    return _long_query_filler_spans(tuple(terms), fillers)


@lru_cache(maxsize=64)
def _long_query_filler_spans(terms: tuple[str, ...], fillers: FillerWords) -> Mapping[int, int]:
    """:func:`_filler_spans` of a long query, remembered: a search asks twice (its plan,
    its marks)."""
    spans = fillers.spans(list(terms), _segmented(terms) if fillers.learned else ())
    return MappingProxyType(spans)


def _fillers(terms: list[str], fillers: FillerWords) -> list[bool]:
    """Which of a query's syllables are filler words (none in a short query)."""
    found = [False] * len(terms)
    for start, length in _filler_spans(terms, fillers).items():
        found[start : start + length] = [True] * length
    return found


def content_runs(terms: list[str], fillers: FillerWords = HAND_FILLERS) -> list[list[str]]:
    """The runs of a query's syllables between its filler words (the query itself when
    it has none, or nothing but them)."""
    found = _fillers(terms, fillers)
    if all(found) or not any(found):
        return [terms] if terms else []
    runs: list[list[str]] = [[]]
    for term, filler in zip(terms, found, strict=True):
        if filler and runs[-1]:
            runs.append([])
        elif not filler:
            runs[-1].append(term)
    return [run for run in runs if run]


def _clauses(
    terms: list[str],
    abbreviations: Abbreviations,
    exact: bool,
    corrections: Mapping[str, list[str]],
    completions: list[str],
    fillers: FillerWords,
) -> list[Clause]:
    """One clause per query syllable; a span that is an abbreviation (or its long
    form) becomes one clause that matches either form; a syllable with corrections (see
    :mod:`search.query.corrections`) matches them too, scoring less."""
    alternatives = abbreviations.alternatives(terms) if terms else []
    filler_spans = _filler_spans(terms, fillers)
    leave_out_fillers = sum(filler_spans.values()) < len(terms)
    clauses: list[Clause] = []
    i = 0
    while i < len(terms):
        span = next(((s, e, other) for s, e, other in alternatives if s == i), None)
        if span is not None:
            start, end, other = span
            as_typed = [_syllable(s, exact) for s in terms[start:end]]
            expanded = [_syllable(s, exact, EXPANSION_BOOST) for s in other]
            clauses.append(Clause([as_typed, expanded]))
            i = end
            continue
        filler = filler_spans.get(i, 0)
        if filler and leave_out_fillers:
            i += filler
            continue
        for syllable in terms[i : i + max(filler, 1)]:
            weight = FILLER_WEIGHT if filler else 1.0
            typed = [[_syllable(syllable, exact, weight)]]
            if completions and i == len(terms) - 1:  # the last word, as a prefix
                typed += [[_syllable(c, False, weight * COMPLETION_BOOST)] for c in completions]
            corrected = [
                [_syllable(c, False, weight * CORRECTION_BOOST)] for c in corrections.get(syllable, ())
            ]
            clauses.append(Clause(typed + corrected, filler=bool(filler)))
        i += max(filler, 1)
    return clauses


@lru_cache(maxsize=64)
def _segmented(terms: tuple[str, ...]) -> frozenset[str]:
    """pyvi's compounds of the query, folded and joined (the same analysis as the index)."""
    return frozenset(t.text for t in compound_analyzer()(" ".join(terms)))


def _compound_terms(terms: list[str]) -> set[str]:
    """Folded compounds the query may mean: pyvi's segmentation of the query (the same
    analysis as the index), and for a short query every run of 2-3 adjacent syllables,
    because a segmenter guesses differently on a few words than on a sentence. A long
    question gets no runs: they did not change its ranking (BENCHMARKS.md) and cost
    many term lookups; its adjacent syllables still score through the pairs view."""
    found = set(_segmented(tuple(terms)))
    if len(terms) > ALL_REQUIRED_UP_TO:
        return found
    folded = [fold(t) for t in terms]
    for size in (2, 3):
        for start in range(len(folded) - size + 1):
            found.add(COMPOUND_JOINER.join(folded[start : start + size]))
    return found


def _boosts(syllables: list[str]) -> list[TermRef]:
    """Terms that only raise the score: compounds, and pairs of adjacent syllables."""
    boosts = [TermRef(fields.WORDS, c, COMPOUND_BOOST) for c in sorted(_compound_terms(syllables))]
    folded = [fold(s) for s in syllables]
    pairs = sorted({COMPOUND_JOINER.join(pair) for pair in pairwise(folded)})
    return boosts + [TermRef(fields.PAIRS, pair, PAIR_BOOST) for pair in pairs]


def _other_correction_pairs(
    terms: list[str], likeliest: list[str], corrections: Mapping[str, list[str]]
) -> list[TermRef]:
    """Pairs of a typo's less likely corrections with the likeliest words around it:
    the one the reader meant may be any of them ("hpo so": "hop so" as well as "ho so")."""
    pairs = set()
    folded = [fold(s) for s in likeliest]
    for i, term in enumerate(terms):
        for other in corrections.get(term, [])[1:]:
            if i > 0:
                pairs.add(f"{folded[i - 1]}{COMPOUND_JOINER}{other}")
            if i + 1 < len(terms):
                pairs.add(f"{other}{COMPOUND_JOINER}{folded[i + 1]}")
    return [TermRef(fields.PAIRS, pair, PAIR_BOOST * CORRECTION_BOOST) for pair in sorted(pairs)]


def plan(
    parsed: ParsedQuery,
    abbreviations: Abbreviations,
    corrections: Mapping[str, list[str]] | None = None,
    completions: list[str] | None = None,
    fillers: FillerWords = HAND_FILLERS,
) -> Plan:
    """How to answer a parsed reader's query (see :class:`Plan`); ``corrections``: the
    query syllables that may be typos, and what they may mean; ``completions``: the
    syllables the last word may be the start of (a prefix search); ``fillers``: the
    words that count little (:mod:`search.query.fillers`)."""
    exact = any(has_diacritics(s) for s in parsed.positive_syllables())
    clauses = _clauses(parsed.terms, abbreviations, exact, corrections or {}, completions or [], fillers)
    for phrase in parsed.phrases:  # a quoted phrase's words score like the others
        clauses += [Clause([[_syllable(s, exact)]], filler=True) for s in phrase]
    required = [c for c in clauses if not c.filler] or clauses
    if len(parsed.terms) <= ALL_REQUIRED_UP_TO:
        min_match = len(required)
    else:
        min_match = max(1, math.ceil(MIN_MATCH_FRACTION * len(required)))
    boosts = _boosts(parsed.terms)
    if completions and len(parsed.terms) > 1:  # the last word's completions beside the one before
        before = fold(parsed.terms[-2])
        boosts += [
            TermRef(fields.PAIRS, f"{before}{COMPOUND_JOINER}{c}", PAIR_BOOST * COMPLETION_BOOST)
            for c in completions
        ]
    if corrections:  # the corrected words side by side score too, less
        typed = set(boosts)
        likeliest = corrected(parsed.terms, corrections)
        boosts += [replace(r, boost=r.boost * CORRECTION_BOOST) for r in _boosts(likeliest) if r not in typed]
        boosts += _other_correction_pairs(parsed.terms, likeliest, corrections)
    for phrase in parsed.phrases:
        boosts += _boosts(phrase)
    return Plan(
        clauses=clauses,
        boosts=boosts,
        phrases=[_phrase_query(p) for p in parsed.phrases],
        exclusions=[_exclusion(s) for s in parsed.excluded],
        min_match=0 if not parsed.terms else min_match,
    )


def marks(
    parsed: ParsedQuery,
    abbreviations: Abbreviations,
    typos: Mapping[str, list[str]] | None = None,
    fillers: FillerWords = HAND_FILLERS,
) -> Marks:
    """What snippets mark: the query's words (not its filler words), its phrases, other
    abbreviation forms, and the likeliest correction of its typos. An abbreviation the
    reader typed is marked wherever it stands, beside the runs of its long form."""
    sequences = [*content_runs(parsed.terms, fillers), *parsed.phrases]
    if typos:
        sequences += content_runs(corrected(parsed.terms, typos), fillers)
    alone = []
    for start, end, other in abbreviations.alternatives(parsed.terms):
        sequences.append(other)
        # a short form that cannot be a Vietnamese syllable ("lđlđ", "ubnd"; "ai" is a
        # word as well as "AI", and "đã" folds like "DA")
        if end - start == 1 and len(other) > 1 and not is_syllable(parsed.terms[start]):
            alone.append(fold(parsed.terms[start]))
    return marks_for(([fold(s) for s in sequence] for sequence in sequences if sequence), alone)


def mark_document(
    document: Document, query_text: str, abbreviations: Abbreviations, fillers: FillerWords = HAND_FILLERS
) -> tuple[str, str]:
    """The article's title and text as escaped HTML, with the words ``query_text`` would
    match in ``<mark>`` (for the article page)."""
    found = marks(parse(query_text), abbreviations, fillers=fillers) if query_text.strip() else Marks()
    return mark_all(document.title, found), mark_all(document.body, found)


def suggestion(
    query_text: str,
    converted: str | None,
    parsed: ParsedQuery,
    typos: Mapping[str, list[str]],
    vocabulary: AccentVocabulary,
) -> str | None:
    """What "did you mean" offers: the query as read from Telex or VNI keystrokes
    (``converted``), with its typos corrected, accented as the corpus writes it; None
    when nothing would change."""
    if parsed.is_empty:
        return None
    if typos and not parsed.phrases and not parsed.excluded:
        text = " ".join(corrected(parsed.terms, typos))
        return vocabulary.suggest(fold(text)) or text
    if converted:  # as the corpus accents those words, else as the keystrokes read
        return vocabulary.suggest(fold(converted)) or converted
    return vocabulary.suggest(query_text)
