"""pyvi's CRF features of a line, summed into each position's score for each label.

pyvi's ``ViTokenizer.word2features`` builds a dict per token, e.g.
``{"bias": 1.0, "word.lower()": "liên", "word.isupper()": False, ...}``, which
python-crfsuite turns into attributes: a string value ``v`` of key ``k`` becomes the
attribute ``"k:v"`` of value 1.0, a bool the attribute ``k`` of value 1.0 or 0.0. The
tagger adds each attribute's weight times its value to the position's score, attribute
after attribute in the dict's order, from 0.0; a value of 0.0 and an attribute the
model does not know add nothing.

We add the same weights in the same order (:mod:`search.analysis.crf_model` reads them).
A token's own attributes, and those it gives its neighbours, do not depend on its
context, so their weights are looked up once per distinct token (rows of a bounded
table). A text (its lines together) is then a handful of numpy additions, one per
attribute of pyvi's templates, each over every position at once; an attribute a
position does not have, or a neighbour on another line, adds 0.0, which changes no
sum. Only the bigram/trigram membership is found per position, as integers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from search.analysis.crf_model import NO_WEIGHT, CrfModel, Weights

Scores = NDArray[np.float64]  # a line's scores: one row per position, one column per label

# Attributes of pyvi's templates (pyvi.ViTokenizer.word2features), in its order: the
# token's own, then those of the token before ("-1:"), then of the token after ("+1:").
_BIAS = b"bias"
_OWN_FLAGS = ("isupper", "istitle", "isdigit")
_NEIGHBOUR_FLAGS = ("istitle", "isupper")
_BIGRAM_BEFORE = b"-1:word.bi_gram()"
_TRIGRAM_BEFORE = b"-2:word.tri_gram()"
_BIGRAM_AFTER = b"+1:word.bi_gram()"
_TRIGRAM_AFTER = b"+2:word.tri_gram()"
# Columns of a token's row of weights (see Features._allocate).
_OWN = 0
_BEFORE = range(1, 2 + len(_NEIGHBOUR_FLAGS))
_AFTER = range(_BEFORE.stop, _BEFORE.stop + 1 + len(_NEIGHBOUR_FLAGS))
_COLUMNS = _AFTER.stop

# Classes of tokens for pyvi's joining rule (see segment.py), by their first character.
PUNCTUATION = "p"  # not alphanumeric: never part of a word
NUMBER = "d"  # a digit (or another non-letter alphanumeric): a word on its own
TITLE = "T"  # a title-case letter
LOWER = "t"  # any other letter


def kind(token: str) -> str:
    """The class of ``token`` for pyvi's joining rule."""
    first = token[0]
    if not first.isalnum():
        return PUNCTUATION
    if first.isdigit():
        return NUMBER
    return TITLE if first.istitle() else LOWER


class GramIds:
    """pyvi's bigrams and trigrams as sorted integers, for membership tests of a whole
    line at once.

    pyvi tests ``" ".join(tokens).lower() in bi_grams``. Tokens hold no space and are
    lowercased one by one alike (a space ends any final-sigma context), so that is the
    membership of the tuple of the tokens' lowercase forms. Each syllable of an n-gram
    gets an id from 1 to ``base - 1``, any other form 0, and a tuple is the number with
    those digits in base ``base``: one with a 0 digit is never an n-gram, and a bigram's
    number is below any trigram's."""

    def __init__(self, bi_grams: Iterable[str], tri_grams: Iterable[str]):
        bigrams = [tuple(gram.split(" ")) for gram in bi_grams]
        trigrams = [tuple(gram.split(" ")) for gram in tri_grams]
        forms = sorted({form for gram in [*bigrams, *trigrams] for form in gram})
        self.ids = {form: number for number, form in enumerate(forms, 1)}
        self.base = len(forms) + 1
        if self.base**3 >= 2**63:
            raise ValueError("too many n-gram syllables for 64-bit numbers")
        self.bigrams = np.array(sorted(set(map(self.number, bigrams))), dtype=np.int64)
        self.trigrams = np.array(sorted(set(map(self.number, trigrams))), dtype=np.int64)

    def number(self, forms: tuple[str, ...]) -> int:
        total = 0
        for form in forms:
            total = total * self.base + self.ids[form]
        return total

    @staticmethod
    def member(numbers: NDArray[np.int64], grams: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which of ``numbers`` are in ``grams`` (sorted)."""
        found = grams.searchsorted(numbers)
        return grams.take(found, mode="clip") == numbers


class _Rows(dict[str, int]):
    """Row numbers by token, a new one made on first use."""

    def __init__(self, make: Callable[[str], int]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, token: str) -> int:
        row = self[token] = self.make(token)
        return row


class Features:
    """pyvi's features of a text's tokens, as each position's score for each label."""

    def __init__(self, grams: GramIds, model: CrfModel, cache_limit: int = 200_000):
        self.grams = grams
        self.model = model
        self.limit = cache_limit
        self.rows = _Rows(self._add)
        # A server's threads segment queries at once: a token's row number is given,
        # and the tables emptied, by one at a time.
        self._lock = threading.Lock()
        self._allocate(cache_limit)
        self.bigram_before = np.array(model.weights(_BIGRAM_BEFORE))
        self.trigram_before = np.array(model.weights(_TRIGRAM_BEFORE))
        self.bigram_after = np.array(model.weights(_BIGRAM_AFTER))
        self.trigram_after = np.array(model.weights(_TRIGRAM_AFTER))

    def _allocate(self, rows: int) -> None:
        """Empty tables for ``rows`` distinct tokens."""
        self.rows.clear()
        # Per token: the sum of its own attributes' weights (column _OWN), then the
        # weights of the attributes it gives the position after it ("-1:", columns
        # _BEFORE) and before it ("+1:", columns _AFTER), each word.lower() then the
        # flags in pyvi's order.
        self.weights = np.zeros((rows, _COLUMNS, 2))
        self.gram = np.zeros(rows, dtype=np.int64)
        self.kinds: list[str] = [""] * rows
        # Rows made since the tables were last written, written at once (numpy takes
        # many rows in about the time it takes one).
        self._new_weights: list[list[Weights]] = []
        self._new_grams: list[int] = []

    def _reserve(self, tokens: int) -> None:
        """Room for ``tokens`` new rows: the table is emptied when it could overflow
        (and grown when one text has more distinct tokens than it holds)."""
        if len(self.rows) + tokens > len(self.kinds):
            self._allocate(max(self.limit, tokens))

    def _attributes(self, token: str, prefix: bytes, flags: tuple[str, ...]) -> list[Weights]:
        """The weights of ``prefix + "word.lower():<token>"``, then of ``prefix +
        "word.<flag>()"`` for each of ``flags`` (0.0 for a test ``token`` fails: an
        attribute of value 0.0)."""
        weights = self.model.weights
        found = [weights(prefix + b"word.lower():" + token.lower().encode())]
        for flag in flags:
            found.append(weights(prefix + f"word.{flag}()".encode()) if getattr(token, flag)() else NO_WEIGHT)
        return found

    def _add(self, token: str) -> int:
        """A new row for ``token`` (a TOKEN_PATTERN match): its attributes' weights."""
        row = len(self.rows)
        first = second = 0.0
        for w0, w1 in [self.model.weights(_BIAS), *self._attributes(token, b"", _OWN_FLAGS)]:
            first += w0
            second += w1
        self._new_weights.append(
            [
                (first, second),
                *self._attributes(token, b"-1:", _NEIGHBOUR_FLAGS),
                *self._attributes(token, b"+1:", _NEIGHBOUR_FLAGS),
            ]
        )
        self._new_grams.append(self.grams.ids.get(token.lower(), 0))
        self.kinds[row] = kind(token)
        return row

    def _write_new_rows(self) -> None:
        if self._new_weights:
            start = len(self.rows) - len(self._new_weights)
            self.weights[start : len(self.rows)] = self._new_weights
            self.gram[start : len(self.rows)] = self._new_grams
            self._new_weights, self._new_grams = [], []

    def scores(self, tokens: list[str], lines: list[int] | None = None) -> tuple[Scores, list[str]]:
        """Each position's score for each label of ``tokens`` (at least one), as
        crfsuite's tagger sums it from pyvi's attributes, and the tokens' kinds. The
        tokens are one line, or the ``lines`` given by their numbers of tokens: no
        attribute of a token reaches across a line's end."""
        with self._lock:
            self._reserve(len(tokens))
            numbers = list(map(self.rows.__getitem__, tokens))
            self._write_new_rows()
            rows = np.array(numbers)
            weights = self.weights[rows]  # one gather: every weight the tokens give
            kinds = list(map(self.kinds.__getitem__, numbers))
            gram = self.gram[rows]
        scores = weights[:, _OWN]
        if len(rows) > 1:
            line = np.repeat(np.arange(len(lines)), lines) if lines is not None and len(lines) > 1 else None
            self._add_neighbours(scores, weights, gram, line)
        return scores, kinds

    def _add_neighbours(
        self,
        scores: Scores,
        weights: NDArray[np.float64],
        gram: NDArray[np.int64],
        line: NDArray[np.intp] | None,
    ) -> None:
        """Add the neighbours' attributes to each position's own, in pyvi's order: the
        previous token's, the bigram and trigram ending here, the next token's, the
        bigram and trigram starting here. With each token's ``line``, a neighbour on
        another line adds 0.0 (which changes no sum)."""
        grams, base = self.grams, self.grams.base
        pairs = gram[:-1] * base + gram[1:]
        bigram = grams.member(pairs, grams.bigrams)[:, None]  # position i and i + 1
        trigram = grams.member(pairs[:-1] * base + gram[2:], grams.trigrams)[:, None]  # i to i + 2
        previous, following = weights[:-1], weights[1:]
        if line is not None:
            next_same = (line[1:] == line[:-1])[:, None]  # position i + 1 is on i's line
            bigram &= next_same
            trigram &= (line[2:] == line[:-2])[:, None]
            previous, following = previous * next_same[:, :, None], following * next_same[:, :, None]
        later = scores[1:]
        for column in _BEFORE:
            later += previous[:, column]
        later += bigram * self.bigram_before
        scores[2:] += trigram * self.trigram_before
        earlier = scores[:-1]
        for column in _AFTER:
            earlier += following[:, column]
        earlier += bigram * self.bigram_after
        scores[:-2] += trigram * self.trigram_after
