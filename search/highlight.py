"""Snippets: the stored accented text, HTML-escaped, with query words in ``<mark>``.

Whoosh's highlighter re-tokenises the text of each hit; we give it the cheap
syllable tokenizer with folding (a regular expression, no pyvi), and a context
fragmenter that looks at most ``CHAR_LIMIT`` characters, so the cost per hit is
bounded whatever the article's length.
"""

from __future__ import annotations

from html import escape
from typing import Any

from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight

from search.analysis import folded_analyzer

CHAR_LIMIT = 20_000
SNIPPET_CHARS = 240
FALLBACK_CHARS = 240


class _MarkFormatter(HtmlFormatter):
    """``<mark>word</mark>``, with the text around it escaped."""

    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")
        self.template = "<%(tag)s>%(t)s</%(tag)s>"


_ANALYZER: Any = folded_analyzer()


def _opening(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, limit)
    return escape(text[: cut if cut > 0 else limit], quote=False) + " …"


def snippet(text: str, terms: set[str], chars: int = SNIPPET_CHARS, fragments: int = 2) -> str:
    """The best fragments of ``text`` containing ``terms`` (folded syllables), as HTML;
    the opening of the text when no term occurs in it."""
    if terms:
        fragmenter = ContextFragmenter(maxchars=chars, surround=chars // 3, charlimit=CHAR_LIMIT)
        marked = highlight(text, terms, _ANALYZER, fragmenter, _MarkFormatter(), top=fragments)
        if marked:
            return " ".join(marked.split())
    return _opening(text, FALLBACK_CHARS)


def mark_all(text: str, terms: set[str]) -> str:
    """All of ``text`` as HTML with every occurrence of ``terms`` marked (titles, articles)."""
    if not terms:
        return escape(text, quote=False)
    marked = highlight(text, terms, _ANALYZER, WholeFragmenter(charlimit=10_000_000), _MarkFormatter(), top=1)
    return marked or escape(text, quote=False)
