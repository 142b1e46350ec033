"""Snippets: the stored accented text, HTML-escaped, with query words in ``<mark>``.

Whoosh's highlighter re-tokenises the text of each hit; we give it the cheap
syllable tokenizer with folding (a regular expression, no pyvi), and a context
fragmenter that looks at most ``CHAR_LIMIT`` characters, so the cost per hit is
bounded whatever the article's length.

For a query of several syllables, a syllable is marked only where it stands next to
another syllable of the query in the same order ("lao dong" marks "Lao động", not the
"đông" of "đông đảo"), unless the text has no such run at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Any

from whoosh.analysis import Filter, Token
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight

from search.analysis import folded_analyzer

CHAR_LIMIT = 20_000
SNIPPET_CHARS = 240
FALLBACK_CHARS = 240
_UNMATCHABLE = "\x00"


@dataclass(frozen=True)
class Marks:
    """What to mark: folded syllables, and the ordered pairs that make a run."""

    terms: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.terms)


class _MarkFormatter(HtmlFormatter):
    """``<mark>word</mark>``, with the text around it escaped."""

    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")
        self.template = "<%(tag)s>%(t)s</%(tag)s>"


class RunFilter(Filter):
    """Hides (renames) query syllables that do not stand in a run of the query."""

    def __init__(self, pairs: frozenset[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        window = [t.copy() for t in tokens]
        texts = [t.text for t in window]
        for i, token in enumerate(window):
            before = i > 0 and (texts[i - 1], texts[i]) in self.pairs
            after = i + 1 < len(texts) and (texts[i], texts[i + 1]) in self.pairs
            if not (before or after):
                token.text = _UNMATCHABLE
            yield token


_PLAIN: Any = folded_analyzer()


def query_pairs(sequence: Sequence[str]) -> set[tuple[str, str]]:
    """Adjacent pairs of a query's folded syllables, in order."""
    return {(a, b) for a, b in pairwise(sequence) if a != b}


def marks_for(sequences: Iterable[Sequence[str]]) -> Marks:
    """Marks for the given runs of folded syllables (the query, its phrases, expansions)."""
    terms: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for sequence in sequences:
        terms.update(sequence)
        pairs |= query_pairs(sequence)
    return Marks(frozenset(terms), frozenset(pairs))


def _opening(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, limit)
    return escape(text[: cut if cut > 0 else limit], quote=False) + " …"


def _marked(text: str, marks: Marks, fragmenter: Any, top: int) -> str:
    if marks.pairs:
        analyzer = _PLAIN | RunFilter(marks.pairs)
        marked = highlight(text, marks.terms, analyzer, fragmenter, _MarkFormatter(), top=top)
        if marked:
            return marked
    return highlight(text, marks.terms, _PLAIN, fragmenter, _MarkFormatter(), top=top)


def snippet(text: str, marks: Marks, chars: int = SNIPPET_CHARS, fragments: int = 2) -> str:
    """The best fragments of ``text`` with the query's words marked, as HTML on one
    line; the opening of the text when no query word occurs in it."""
    if marks:
        fragmenter = ContextFragmenter(maxchars=chars, surround=chars // 3, charlimit=CHAR_LIMIT)
        marked = _marked(text, marks, fragmenter, fragments)
        if marked:
            return " ".join(marked.split())
    return _opening(text, FALLBACK_CHARS)


def mark_all(text: str, marks: Marks) -> str:
    """All of ``text`` as HTML with the query's words marked (titles, articles)."""
    if not marks:
        return escape(text, quote=False)
    marked = _marked(text, marks, WholeFragmenter(charlimit=10_000_000), 1)
    return marked or escape(text, quote=False)
