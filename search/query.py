"""From what a reader types to a Whoosh query.

The reader's syntax is small and forgiving: words, "quoted phrases" and -exclusions
(of a word or a "phrase"). Anything else (Whoosh's own syntax such as ``title:``,
``[a TO b]``, ``~2``, ``^3``, stray quotes) is read as plain text, never as operators,
so no input can make the parser fail.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from whoosh.query import And, AndMaybe, AndNot, Every, Or, Phrase, Query, Term

from search import schema as f
from search.abbreviations import Abbreviations
from search.analysis import COMPOUND_JOINER, compound_analyzer, syllable_texts
from search.highlight import Marks, marks_for
from search.text import fold, has_diacritics, normalize

# Weights of the views of the text, tuned on the ViNewsQA dev questions (see BENCHMARKS.md).
TITLE_BOOST = 0.25
ACCENT_BOOST = 1.0  # an exact-accent match scores on the accented view too
FOLD_BOOST = 1.0  # the folded view, when the query has accents (else it is the only view)
COMPOUND_BOOST = 0.75
PROXIMITY_BOOST = 2.0
PAIR_BOOST = 1.0  # two query syllables side by side in the document
EXPANSION_BOOST = 0.7  # an abbreviation's other form counts, a little less
ALL_REQUIRED_UP_TO = 4  # clauses; longer queries are OR-ranked
PROXIMITY_UP_TO = 8  # syllables; longer queries get no whole-query phrase boost

# Question words and function words: they make a sentence a question but name nothing
# to find. Down-weighted in long queries, never dropped (lowercased syllables).
FILLER_WORDS = frozenset(
    {
        "gì",
        "nào",
        "ai",
        "đâu",
        "sao",
        "bao nhiêu",
        "bao giờ",
        "khi nào",
        "ở đâu",
        "tại sao",
        "vì sao",
        "như thế nào",
        "thế nào",
        "là gì",
        "điều gì",
        "những gì",
        "cái gì",
        "có phải",
        "hay không",
        "không",
        "là",
        "của",
        "có",
        "được",
        "và",
        "các",
        "những",
        "thì",
        "mà",
        "đã",
        "bị",
        "cho",
        "với",
        "trong",
        "để",
        "theo",
        "này",
        "đó",
        "người ta",
    }
)
FILLER_WEIGHT = 0.2

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


def _syllable_clause(syllable: str, exact: bool, boost: float = 1.0) -> Query:
    """One syllable, matched without accents; when the reader typed accents (``exact``),
    the syllable as typed scores again on the accented view ("bà" is not "ba")."""
    folded = fold(syllable)
    weight = FOLD_BOOST if exact else 1.0
    parts: list[Query] = [
        Term(f.BODY_FOLDED, folded, boost=weight),
        Term(f.TITLE_FOLDED, folded, boost=TITLE_BOOST * weight),
    ]
    if exact:
        parts += [
            Term(f.BODY, syllable, boost=ACCENT_BOOST),
            Term(f.TITLE, syllable, boost=TITLE_BOOST * ACCENT_BOOST),
        ]
    return Or(parts, boost=boost)


def _phrase_clause(syllables: list[str], boost: float = 1.0, slop: int = 1) -> Query:
    """Whoosh slop: 1 is an exact phrase, 3 allows two words between each pair."""
    folded = [fold(s) for s in syllables]
    parts: list[Query] = [
        Phrase(f.BODY_FOLDED, folded, slop=slop, boost=boost),
        Phrase(f.TITLE_FOLDED, folded, slop=slop, boost=boost * TITLE_BOOST),
    ]
    if folded != syllables:
        parts.append(Phrase(f.BODY, syllables, slop=slop, boost=boost * ACCENT_BOOST))
    return Or(parts)


def _form_clause(syllables: list[str], exact: bool, boost: float = 1.0) -> Query:
    """A word or a multi-syllable form (as a phrase)."""
    if len(syllables) == 1:
        return _syllable_clause(syllables[0], exact, boost)
    return _phrase_clause(syllables, boost=boost)


def _exclusion_clause(syllables: list[str]) -> Query:
    """What an exclusion removes: as typed, with accents when it has them ("-Tây" does
    not remove every "tay"), accent-insensitively when typed without."""
    folded = [fold(s) for s in syllables]
    if folded == syllables:
        fields = (f.BODY_FOLDED, f.TITLE_FOLDED)
    else:
        fields, folded = (f.BODY, f.TITLE), syllables
    if len(folded) == 1:
        return Or([Term(field, folded[0]) for field in fields])
    return Or([Phrase(field, folded) for field in fields])


def _weight(syllables: list[str], start: int) -> tuple[float, int]:
    """The weight of the syllable at ``start`` and how many syllables it covers: question
    words ("gì", "như thế nào") count little, everything else fully."""
    for length in (3, 2, 1):
        if " ".join(syllables[start : start + length]) in FILLER_WORDS:
            return FILLER_WEIGHT, length
    return 1.0, 1


def _term_clauses(terms: list[str], abbreviations: Abbreviations, exact: bool) -> list[Query]:
    """One clause per query syllable; a span that is an abbreviation (or its long
    form) becomes one clause that matches either form."""
    alternatives = abbreviations.alternatives(terms) if terms else []
    clauses: list[Query] = []
    i = 0
    while i < len(terms):
        span = next(((s, e, other) for s, e, other in alternatives if s == i), None)
        if span is None:
            weight, length = _weight(terms, i) if len(terms) > ALL_REQUIRED_UP_TO else (1.0, 1)
            clauses += [_syllable_clause(s, exact, weight) for s in terms[i : i + length]]
            i += length
            continue
        start, end, other = span
        original = [_syllable_clause(s, exact) for s in terms[start:end]]
        as_typed = original[0] if len(original) == 1 else And(original)
        clauses.append(Or([as_typed, _form_clause(other, exact, boost=EXPANSION_BOOST)]))
        i = end
    return clauses


def _compound_terms(terms: list[str]) -> set[str]:
    """Folded compounds the query may mean: pyvi's segmentation of the query (the
    same analysis as the index) plus every run of 2-3 adjacent syllables, because a
    segmenter guesses differently on a short query than on a sentence."""
    found = {t.text for t in compound_analyzer()(" ".join(terms))}
    folded = [fold(t) for t in terms]
    for size in (2, 3):
        for start in range(len(folded) - size + 1):
            found.add(COMPOUND_JOINER.join(folded[start : start + size]))
    return found


def _ranking_boosts(parsed: ParsedQuery) -> list[Query]:
    """Optional clauses that only raise the score: compounds and proximity."""
    boosts: list[Query] = [
        Term(f.WORDS, compound, boost=COMPOUND_BOOST) for compound in sorted(_compound_terms(parsed.terms))
    ]
    folded = [fold(t) for t in parsed.terms]
    pairs = {COMPOUND_JOINER.join(pair) for pair in pairwise(folded)}
    boosts += [Term(f.PAIRS, pair, boost=PAIR_BOOST) for pair in sorted(pairs)]
    if 2 <= len(parsed.terms) <= PROXIMITY_UP_TO:
        boosts.append(_phrase_clause(parsed.terms, boost=PROXIMITY_BOOST, slop=3))
    return boosts


def build(parsed: ParsedQuery, abbreviations: Abbreviations) -> Query:
    """The Whoosh query for a parsed reader's query.

    Short queries need every word ("Phú Xuyên" must not match every "Trần Phú");
    longer ones are OR-ranked so a long question still finds its article. Quoted
    phrases are always required; exclusions remove matches in title or text.
    """
    exact = any(has_diacritics(s) for s in parsed.positive_syllables())
    required = _term_clauses(parsed.terms, abbreviations, exact)
    phrases = [_phrase_clause(p) for p in parsed.phrases]
    if not required and not phrases:
        query: Query = Every()
    else:
        if len(required) <= ALL_REQUIRED_UP_TO:
            matching: list[Query] = required + phrases
        else:
            matching = [Or(required), *phrases]
        core = matching[0] if len(matching) == 1 else And(matching)
        boosts = _ranking_boosts(parsed)
        query = AndMaybe(core, Or(boosts)) if boosts else core
    if parsed.excluded:
        query = AndNot(query, Or([_exclusion_clause(s) for s in parsed.excluded]))
    return query


def marks(parsed: ParsedQuery, abbreviations: Abbreviations) -> Marks:
    """What snippets mark: the query's words, its phrases, and other abbreviation forms."""
    sequences = [parsed.terms, *parsed.phrases]
    sequences += [other for _start, _end, other in abbreviations.alternatives(parsed.terms)]
    return marks_for([fold(s) for s in sequence] for sequence in sequences if sequence)
