"""Vietnamese analysis as Whoosh compositions: ``Tokenizer | Filter | Filter``.

* ``syllable_analyzer``: accented, lowercased syllables (recall, phrases, exact accents);
* ``folded_analyzer``: the same syllables without diacritics ("chuong my" finds "Chương Mỹ");
* ``compound_analyzer``: multi-syllable words found by pyvi, folded and joined with "_"
  ("giao_vien"), a precision signal for ranking; it analyses queries.

All three normalise first (NFC, one tone-mark placement, real đ), so composed and
decomposed input give the same tokens; offsets are into the normalised text, which is
what the index stores for display. The indexer makes the same syllables with
:func:`syllable_texts` (no token object per syllable) into the views of
:mod:`search.analysis.views`; the analyzers are the reference it is tested against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    Token,
    Tokenizer,
)

from search.analysis import segment
from search.text import fold, normalize

COMPOUND_JOINER = "_"


class _SpanTokenizer(Tokenizer):
    """Normalises the text and turns the spans that :meth:`spans` finds in it into
    Whoosh tokens (text, position, character offsets)."""

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """(token text, position, start, end) in normalised ``text``."""
        raise NotImplementedError

    def normalized_spans(self, value: str) -> Iterable[tuple[str, int, int, int]]:
        """:meth:`spans` of ``value`` once normalised."""
        return self.spans(normalize(value))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, start, end in self.normalized_spans(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text  # type: ignore[attr-defined]  # Whoosh's tokens take any attribute
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


@lru_cache(maxsize=8)
def _syllable_spans(value: str) -> tuple[tuple[str, int, int, int], ...]:
    """The syllables of normalised ``value``, kept for the last few values: the indexer
    reads each text in several views."""
    matches = segment.syllables(normalize(value))
    return tuple((m.group(0), pos, m.start(), m.end()) for pos, m in enumerate(matches))


class SyllableTokenizer(_SpanTokenizer):
    """Each syllable or number (never punctuation)."""

    def normalized_spans(self, value: str) -> Iterable[tuple[str, int, int, int]]:
        return _syllable_spans(value)


class CompoundTokenizer(_SpanTokenizer):
    """Segments with pyvi (on the original case) and yields multi-syllable words as one
    token each ("Liên đoàn" -> "Liên_đoàn"), positioned at their first syllable so they
    line up with the syllable fields."""

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        for text_, first_syllable, start, end in segment.compounds(text):
            yield text_.replace(" ", COMPOUND_JOINER), first_syllable, start, end


class FoldFilter(Filter):
    """Strips diacritics from each token ("đường" -> "duong"); offsets unchanged."""

    # Whoosh's Filter.__call__ has this signature; its base Composable declares another.
    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        for token in tokens:
            token.text = fold(token.text)
            yield token


def syllable_analyzer() -> Any:
    return SyllableTokenizer() | LowercaseFilter()


def folded_analyzer() -> Any:
    return SyllableTokenizer() | LowercaseFilter() | FoldFilter()


def compound_analyzer() -> Any:
    """Segments with pyvi: used on queries, and on any text given to the compound view."""
    return CompoundTokenizer() | LowercaseFilter() | FoldFilter()


def syllable_texts(text: str, normalized: bool = False) -> list[str]:
    """Lowercased accented syllables of ``text`` (``normalized`` already, as an article's
    text is): the tokens of :func:`syllable_analyzer`, without a Whoosh token per
    syllable (the indexer calls this on every article)."""
    found = segment.SYLLABLE_PATTERN.findall(text if normalized else normalize(text))
    return list(map(str.lower, found))
