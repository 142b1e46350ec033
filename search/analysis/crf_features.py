"""pyvi's CRF features, built the way python-crfsuite reads them fastest.

pyvi's ``ViTokenizer.word2features`` builds a dict per token, e.g.
``{"bias": 1.0, "word.lower()": "liên", "word.isupper()": False, ...}``, which
python-crfsuite turns into attributes: a string value ``v`` of key ``k`` becomes the
attribute ``"k:v"`` of weight 1.0, a bool the attribute ``k`` of weight 1.0 or 0.0.
An attribute of weight 0.0 adds nothing to any score, and the tagger drops attributes
its model does not know. So an item here is the tuple of the names, as UTF-8 bytes, of
the attributes of weight 1.0 that the model knows, in pyvi's order: the tagger scores
it exactly as it scores pyvi's dict, with the same sums in the same order.

Most of an item repeats: a token's own attributes, and those it gives its neighbours,
do not depend on its context, so they are built once per distinct token (a bounded
cache); only the bigram/trigram membership is looked up per position, as integers.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import add, getitem, mul
from pathlib import Path
from typing import Any, NamedTuple

Item = tuple[bytes, ...]
NO_ITEM: Item = ()

# Attributes of pyvi's templates (pyvi.ViTokenizer.word2features), in its order.
_BIAS = b"bias"
_OWN_FLAGS = ("isupper", "istitle", "isdigit")
_NEIGHBOUR_FLAGS = ("istitle", "isupper")
_BIGRAM_BEFORE = b"-1:word.bi_gram()"
_TRIGRAM_BEFORE = b"-2:word.tri_gram()"
_BIGRAM_AFTER = b"+1:word.bi_gram()"
_TRIGRAM_AFTER = b"+2:word.tri_gram()"

# Classes of tokens for pyvi's joining rule (see segment.py), by their first character.
PUNCTUATION = "p"  # not alphanumeric: never part of a word
NUMBER = "d"  # a digit (or another non-letter alphanumeric): a word on its own
TITLE = "T"  # a title-case letter
LOWER = "t"  # any other letter

# A line of the model's text dump that names an attribute: "      12: word.lower():ở".
_DUMPED_ATTRIBUTE = re.compile(rb" +\d+: (.*)\n")


class Syllable(NamedTuple):
    """What one distinct token contributes to the items of its line."""

    gram: int  # the id of its lowercase form among those of pyvi's n-grams, else 0
    gram2: int  # gram * base
    own: Item  # its attributes at its own position
    as_previous: tuple[Item, Item, Item, Item]  # at the next position, by context code
    as_next: tuple[Item, Item, Item, Item]  # at the previous position, by context code
    kind: str  # PUNCTUATION, NUMBER, TITLE or LOWER


def model_attributes(tagger: Any) -> frozenset[bytes]:
    """The attribute names a pycrfsuite ``tagger``'s model knows (and a few more, which
    is harmless), read from its text dump in a temporary folder removed at once."""
    with tempfile.TemporaryDirectory(prefix="vnsearch-crf-") as folder:
        path = Path(folder) / "model.txt"
        tagger.dump(str(path))
        # A name with a newline spans lines; tokens have none, so none of ours does.
        return frozenset(_DUMPED_ATTRIBUTE.findall(path.read_bytes()))


def kind(token: str) -> str:
    """The class of ``token`` for pyvi's joining rule."""
    first = token[0]
    if not first.isalnum():
        return PUNCTUATION
    if first.isdigit():
        return NUMBER
    return TITLE if first.istitle() else LOWER


def _flags(token: str, prefix: bytes, names: Iterable[str]) -> list[bytes]:
    """``prefix + "word.<name>()"`` for each test ``str.<name>`` that ``token`` passes."""
    return [prefix + f"word.{name}()".encode() for name in names if getattr(token, name)()]


def _variants(base: list[bytes], bigram: bytes, trigram: bytes) -> tuple[Item, Item, Item, Item]:
    """``base`` and the gram attributes, indexed by the context code ``bigram + 2 *
    trigram``."""
    return (tuple(base), (*base, bigram), (*base, trigram), (*base, bigram, trigram))


class GramIds:
    """pyvi's bigrams and trigrams as sets of integers, for cheap membership tests.

    pyvi tests ``" ".join(tokens).lower() in bi_grams``. Tokens hold no space and are
    lowercased one by one alike (a space ends any final-sigma context), so that is the
    membership of the tuple of the tokens' lowercase forms. Each syllable of an n-gram
    gets an id from 1 to ``base - 1``, any other form 0, and a tuple is the number with
    those digits in base ``base``: one with a 0 digit is never an n-gram."""

    def __init__(self, bi_grams: Iterable[str], tri_grams: Iterable[str]):
        bigrams = [tuple(gram.split(" ")) for gram in bi_grams]
        trigrams = [tuple(gram.split(" ")) for gram in tri_grams]
        forms = sorted({form for gram in [*bigrams, *trigrams] for form in gram})
        self.ids = {form: number for number, form in enumerate(forms, 1)}
        self.base = len(forms) + 1
        self.bigrams = frozenset(map(self.number, bigrams))
        self.trigrams = frozenset(map(self.number, trigrams))

    def number(self, forms: tuple[str, ...]) -> int:
        total = 0
        for form in forms:
            total = total * self.base + self.ids[form]
        return total


class SyllableCache(dict[str, Syllable]):
    """Syllables by token, made on first use; emptied when it holds ``limit`` (the
    syllables already handed out stay valid)."""

    def __init__(self, make: Callable[[str], Syllable], limit: int) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, token: str) -> Syllable:
        if len(self) >= self.limit:
            self.clear()
        made = self[token] = self.make(token)
        return made


class Features:
    """pyvi's features of a line's tokens, as python-crfsuite items."""

    def __init__(self, grams: GramIds, known: frozenset[bytes], cache_limit: int = 30_000):
        self.grams = grams
        self.known = known
        self.cache = SyllableCache(self.syllable, cache_limit)

    def _known(self, names: list[bytes]) -> list[bytes]:
        return [name for name in names if name in self.known]

    def syllable(self, token: str) -> Syllable:
        """The attributes of ``token`` (a TOKEN_PATTERN match), in pyvi's order."""
        lower = token.lower()
        word = lower.encode()
        own = [_BIAS, b"word.lower():" + word, *_flags(token, b"", _OWN_FLAGS)]
        before = [b"-1:word.lower():" + word, *_flags(token, b"-1:", _NEIGHBOUR_FLAGS)]
        after = [b"+1:word.lower():" + word, *_flags(token, b"+1:", _NEIGHBOUR_FLAGS)]
        gram = self.grams.ids.get(lower, 0)
        return Syllable(
            gram=gram,
            gram2=gram * self.grams.base,
            own=tuple(self._known(own)),
            as_previous=_variants(self._known(before), _BIGRAM_BEFORE, _TRIGRAM_BEFORE),
            as_next=_variants(self._known(after), _BIGRAM_AFTER, _TRIGRAM_AFTER),
            kind=kind(token),
        )

    def lookup(self, tokens: list[str]) -> list[Syllable]:
        """The syllable of each token."""
        return list(map(self.cache.__getitem__, tokens))

    def items(self, found: list[Syllable]) -> tuple[list[Item], tuple[str, ...]]:
        """The item of each position of a line whose tokens are ``found`` (at least
        one), and the tokens' kinds."""
        gram, gram2, own, as_previous, as_next, kinds = zip(*found, strict=True)
        pairs = list(map(add, gram2, gram[1:]))
        bigram = list(map(self.grams.bigrams.__contains__, pairs))
        # Position i sees its previous token with bigram[i-1] (and trigram[i-2]), its
        # next with bigram[i] (and trigram[i]); the ends of the line see no neighbour.
        previous = [NO_ITEM, *map(getitem, as_previous, bigram)]
        following = [*map(getitem, as_next[1:], bigram), NO_ITEM]
        triples = map(add, map(mul, pairs, repeat(self.grams.base)), gram[2:])
        trigram = list(map(self.grams.trigrams.__contains__, triples))
        if True in trigram:  # rare: a few positions in a thousand
            for i in compress(range(len(trigram)), trigram):
                previous[i + 2] = as_previous[i + 1][bigram[i + 1] + 2]
                following[i] = as_next[i + 1][bigram[i] + 2]
        return list(map(add, map(add, own, previous), following)), kinds
