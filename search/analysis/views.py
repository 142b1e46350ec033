"""The views of an article's text that the engine scores, as token lists.

One definition for both backends: the Whoosh backend turns them into posting lists
(:mod:`search.backends.local.postings`), the Typesense backend into tokens and statistics. Views:

* ``title`` / ``body``: accented, lowercased syllables (exact accents);
* ``title_fold`` / ``body_fold``: the same without diacritics ("chuong my");
* ``words``: pyvi's multi-syllable words, folded and joined ("giao_vien");
* ``pairs``: adjacent folded syllables of the headline, and of the text ("lao_dong"),
  a cheap proximity signal and the index of two-syllable phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from itertools import pairwise

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte

from search import fields
from search.analysis.analyzers import COMPOUND_JOINER, syllable_texts
from search.ingest.article import Article
from search.text import fold, fold_letters, has_diacritics

# Every scored view, in the order the posting store keeps their lengths.
VIEWS = (fields.TITLE, fields.TITLE_FOLDED, fields.BODY, fields.BODY_FOLDED, fields.WORDS, fields.PAIRS)


def pairs_of(folded: list[str]) -> list[str]:
    return [COMPOUND_JOINER.join(pair) for pair in pairwise(folded)]


def quantised(length: int) -> float:
    """A view's length as BM25 sees it: Whoosh's one-byte field length (lossy), kept so
    that rankings stay those the weights were tuned on."""
    return float(byte_to_length(length_to_byte(length))) if length else 0.0


def quantised_all(lengths: np.ndarray) -> np.ndarray:
    """:func:`quantised` of many lengths (once per distinct length)."""
    values, inverse = np.unique(lengths, return_inverse=True)
    return np.array([quantised(int(v)) for v in values], dtype=np.float32)[inverse]


class Analysed:
    """The views of one article's text (see the module's docstring)."""

    def __init__(self, article: Article, compounds: Iterable[str]) -> None:
        self.title = syllable_texts(article.title, normalized=True)
        self.body = syllable_texts(article.body, normalized=True)
        self.words = [fold(c.lower()) for c in compounds]
        self.title_folded = list(map(fold, self.title))
        self.body_folded = list(map(fold, self.body))

    @cached_property
    def pairs(self) -> list[str]:
        """No pair across the headline's end: a phrase never spans headline and text.
        (The posting store names pairs from the folded syllables, without these.)"""
        return pairs_of(self.title_folded) + pairs_of(self.body_folded)

    def tokens(self, with_pairs: bool = True) -> dict[str, list[str]]:
        """View (field name) -> its tokens, with repeats, in :data:`VIEWS` order (the
        last, pairs, left out ``with_pairs=False``)."""
        views = {
            fields.TITLE: self.title,
            fields.TITLE_FOLDED: self.title_folded,
            fields.BODY: self.body,
            fields.BODY_FOLDED: self.body_folded,
            fields.WORDS: self.words,
        }
        return {**views, fields.PAIRS: self.pairs} if with_pairs else views

    def accented_syllables(self) -> set[str]:
        """The distinct syllables that carry diacritics (for "did you mean")."""
        return {s for s in {*self.title, *self.body} if has_diacritics(s)}


def phrase_in(sequence: list[str], words: list[str]) -> bool:
    """True when ``words`` stand one after another somewhere in ``sequence``."""
    n = len(words)
    return n > 0 and any(
        sequence[i : i + n] == words for i in range(len(sequence) - n + 1) if sequence[i] == words[0]
    )


# The stored field whose text a syllable view is made of, and the folded views.
SOURCE_FIELD = {
    fields.TITLE: fields.TITLE,
    fields.TITLE_FOLDED: fields.TITLE,
    fields.BODY: fields.BODY,
    fields.BODY_FOLDED: fields.BODY,
}
FOLDED = frozenset({fields.TITLE_FOLDED, fields.BODY_FOLDED})


def phrase_pattern(words: list[str]) -> re.Pattern[str]:
    """Whole tokens ``words``, one after another with only separators between them (what
    lies between two syllables that stand side by side: spaces, punctuation)."""
    between = r"[\W_]+"
    return re.compile(rf"(?<![^\W_]){between.join(re.escape(w) for w in words)}(?![^\W_])")


def has_phrase(view: str, text: str, words: list[str], pattern: re.Pattern[str]) -> bool:
    """Whether the stored (normalised) ``text`` has ``words`` (lowercased tokens of a
    syllable view, with their :func:`phrase_pattern`) one after another in ``view``.
    Searched in the text as the view sees it, folded letter for letter or lowercased,
    without tokenizing it; only a phrase with digits, where "1.000" is one token and
    "a0.5" two, is checked against the tokens where the pattern matched."""
    if pattern.search(fold_letters(text) if view in FOLDED else text.lower()) is None:
        return False
    if not any(ch.isdigit() for word in words for ch in word):
        return True
    tokens = syllable_texts(text)
    return phrase_in([fold(t) for t in tokens] if view in FOLDED else tokens, words)
