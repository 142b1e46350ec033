"""Word segmentation with pyvi, on tokens whose character offsets we keep.

pyvi's own ``ViTokenizer.tokenize`` returns a re-spaced string, which loses the
offsets into the original text. We run its CRF model on our own token list
instead, and apply the same rules pyvi uses to join syllables into words.
Segmentation runs on the original capitalisation: pyvi's features read it.

pyvi's model, feature templates and labels are used as they are, but each position's
scores are summed by :mod:`search.analysis.crf_features` (memoised per distinct token,
a text's lines at once) and decoded by :mod:`search.analysis.crf_model` from the model file's
weights, instead of pyvi building a dict per token for python-crfsuite's tagger; and
words are found by a regular expression over the codes of a line's tokens instead of
token by token. tests/test_segment_identity.py checks both against pyvi's own path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from search.analysis import pyvi_model
from search.analysis.crf_features import (
    LOWER,
    NUMBER,
    PUNCTUATION,
    TITLE,
    Features,
    GramIds,
)
from search.analysis.crf_model import best_path
from search.analysis.pyvi_model import PyviModel

# A syllable/number, or one non-space, non-word character (punctuation).
TOKEN_PATTERN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+|[^\w\s]")
# The same without punctuation: a punctuation character can never start a syllable, so
# the syllables found are those of TOKEN_PATTERN.
SYLLABLE_PATTERN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
# Splitting on TOKEN_PATTERN alternates gaps (spaces, "_") and tokens.
_SPLIT = re.compile(f"({TOKEN_PATTERN.pattern})")

# A token's code is its kind (crf_features) then its label ("B_W" or "I_W"): 4
# characters. pyvi joins a token labelled I_W to the previous one when neither is
# punctuation nor starts with a digit, unless it is title case and the previous one is
# not. So a word starts at a letter token (whatever its label) and takes the I_W letter
# tokens after it: title case ones only until a lowercase one comes.
_UNIT = 4
_TITLE, _LOWER = re.escape(TITLE), re.escape(LOWER)
_TITLE_JOINS, _LOWER_JOINS = f"(?:{_TITLE}I_W)", f"(?:{_LOWER}I_W)"
_COMPOUND = f"{_TITLE}...(?:{_TITLE_JOINS}+{_LOWER_JOINS}*|{_LOWER_JOINS}+)|{_LOWER}...{_LOWER_JOINS}+"
COMPOUND_CODES = re.compile(_COMPOUND)  # words of two syllables or more
WORD_CODES = re.compile(f"{_COMPOUND}|[{_TITLE}{_LOWER}{re.escape(NUMBER)}]...")  # all words

# A word as (text, first_syllable, start, end): its syllables' text joined by spaces,
# its index among the text's syllables, and its span.
Span = tuple[str, int, int, int]


@dataclass(frozen=True, slots=True)
class Word:
    """A segmented word: its syllables' text joined by spaces, and its span."""

    text: str
    start: int
    end: int
    first_syllable: int  # index among the text's syllables (not punctuation)
    syllables: int


@cache
def _model() -> PyviModel:
    """pyvi's model, loaded on first use (about 0.15 s)."""
    return pyvi_model.load()


@cache
def _features() -> Features:
    """pyvi's feature templates, on its n-gram lists and its model's attributes."""
    model = _model()
    return Features(GramIds(model.bi_grams, model.tri_grams), model.crf)


def load_model() -> None:
    """Load pyvi's model (and the features' tables) now rather than on first use."""
    _features()


def _codes(lines: list[list[str]]) -> list[str]:
    """The codes of each line's tokens: kind and CRF label of each. The lines are
    scored together (each on its own: no feature crosses a line's end), then decoded
    one by one."""
    lengths = list(map(len, lines))
    tokens = [token for line in lines for token in line]
    if not tokens:
        return [""] * len(lines)
    scores, kinds = _features().scores(tokens, lengths)
    first, second = scores.T.tolist()
    crf = _model().crf
    found: list[str] = []
    start = 0
    for length in lengths:
        end = start + length
        codes: list[str] = [""] * (2 * length)
        if length:
            codes[0::2] = kinds[start:end]
            path = best_path(first[start:end], second[start:end], crf.transitions)
            codes[1::2] = map(crf.labels.__getitem__, path)
        found.append("".join(codes))
        start = end
    return found


def labels(tokens: list[str]) -> list[str]:
    """The CRF label ("B_W" or "I_W") of each of ``tokens``, the TOKEN_PATTERN matches
    of one line: what pyvi's ``model.predict([sent2features(tokens, False)])[0]`` gives."""
    (codes,) = _codes([tokens])
    return [codes[i + 1 : i + _UNIT] for i in range(0, len(codes), _UNIT)]


def _line_words(
    parts: list[str], codes: str, pattern: re.Pattern[str], offset: int, syllable: int
) -> tuple[list[Span], int]:
    """The words of a line whose codes match ``pattern``, positioned in the text (the
    line, split by _SPLIT into ``parts``, starts at ``offset``; its first syllable is the
    text's ``syllable``-th), and the index of the syllable after the line."""
    tokens = parts[1::2]
    bounds = list(accumulate(map(len, parts), initial=offset))  # token k: [2k + 1, 2k + 2]
    words: list[Span] = []
    seen = 0  # the first token of the last word found
    for match in pattern.finditer(codes):
        first, last = match.start() // _UNIT, match.end() // _UNIT
        syllable += first - seen - codes.count(PUNCTUATION, seen * _UNIT, first * _UNIT)
        seen = first
        text = " ".join(tokens[first:last]) if last - first > 1 else tokens[first]
        words.append((text, syllable, bounds[2 * first + 1], bounds[2 * last]))
    syllable += len(tokens) - seen - codes.count(PUNCTUATION, seen * _UNIT)
    return words, syllable


def _words(text: str, pattern: re.Pattern[str]) -> Iterator[list[Span]]:
    """The words of ``text`` whose codes match ``pattern``, a list per line."""
    lines = text.split("\n")
    parts = [_SPLIT.split(line) for line in lines]
    codes = _codes([line_parts[1::2] for line_parts in parts])
    offset = syllable = 0
    for line, line_parts, line_codes in zip(lines, parts, codes, strict=True):
        words, syllable = _line_words(line_parts, line_codes, pattern, offset, syllable)
        yield words
        offset += len(line) + 1


def segment(text: str) -> Iterator[Word]:
    """Every word of ``text`` (already normalised), one line at a time."""
    for words in _words(text, WORD_CODES):
        for text_, syllable, start, end in words:
            yield Word(text_, start, end, syllable, text_.count(" ") + 1)


def compounds(text: str) -> list[Span]:
    """The words of two syllables or more of ``text`` (already normalised), as ``(text,
    first_syllable, start, end)``: those :func:`segment` yields, without a ``Word``
    for each word."""
    return [word for words in _words(text, COMPOUND_CODES) for word in words]


def syllables(text: str) -> Iterator[re.Match[str]]:
    """Every syllable (or number) of ``text`` with its span; punctuation skipped."""
    return SYLLABLE_PATTERN.finditer(text)
