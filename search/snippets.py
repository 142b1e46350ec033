"""Snippets: the stored accented text, HTML-escaped, with query words in ``<mark>``.

The query's syllables are found by searching the stored text (at most ``CHAR_LIMIT``
characters for a snippet), folded, at their true offsets; no analyzer runs and nothing
is re-segmented. A snippet is the one or two windows holding the most distinct query
syllables. (Whoosh's highlighter, which re-tokenises every hit through an analyzer
chain, took half of each search.)

For a query of several syllables, a syllable is marked only where it stands next to
another syllable of the query in the same order ("lao dong" marks "Lao động", not the
"đông" of "đông đảo"), unless the text has no such run at all. A syllable that is a
one-syllable form of an abbreviation in the query ("LĐLĐ", beside the runs of its other
form "Liên đoàn Lao động") is marked wherever it stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from html import escape
from itertools import pairwise

from search.results import Document, Hit, date_kind
from search.text import fold_letters

CHAR_LIMIT = 20_000
SNIPPET_CHARS = 240
FALLBACK_CHARS = 240


@dataclass(frozen=True)
class Marks:
    """What to mark: folded syllables, the ordered pairs that make a run, and the
    syllables marked wherever they stand."""

    terms: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    alone: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.terms)

    @cached_property
    def plain(self) -> bool:
        """Every syllable is letters and digits only (see :func:`_found_each`)."""
        return all(term.isalnum() for term in self.terms)


def query_pairs(sequence: Sequence[str]) -> set[tuple[str, str]]:
    """Adjacent pairs of a query's folded syllables, in order."""
    return {(a, b) for a, b in pairwise(sequence) if a != b}


def marks_for(sequences: Iterable[Sequence[str]], alone: Iterable[str] = ()) -> Marks:
    """Marks for the given runs of folded syllables (the query, its phrases, expansions),
    and for syllables marked wherever they stand (abbreviations)."""
    terms: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    anywhere = frozenset(alone)
    for sequence in sequences:
        terms.update(sequence)
        pairs |= query_pairs(sequence)
    return Marks(frozenset(terms | anywhere), frozenset(pairs), anywhere)


def _opening(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, limit)
    return escape(text[: cut if cut > 0 else limit], quote=False) + " …"


Match = tuple[int, int, str]  # start, end, folded syllable
_START = re.Match.start
_SYLLABLE = re.compile(r"[^\W_]+")  # letters and digits, as str.isalnum
_OPEN, _CLOSE = "\x0e", "\x0f"  # where a mark opens and closes, before escaping
FOLDED_CACHED = 8_192  # texts whose folded form is remembered (the headlines and texts shown lately)
_folded = lru_cache(maxsize=FOLDED_CACHED)(fold_letters)


@lru_cache(maxsize=256)
def _pattern(terms: frozenset[str]) -> re.Pattern[str]:
    """The query's folded syllables, each ending a syllable of folded text (a number such
    as "1.000" is one syllable: "1" does not match inside it). The pattern starts with
    the alternatives themselves, so the regular-expression engine skips ahead to their
    first letters; where a match starts is checked by :func:`_starts_syllable`."""
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?![^\W_])(?![.,]\d)")


def _starts_syllable(text: str, start: int) -> bool:
    """No letter or digit just before ``start``, nor a digit and a decimal mark."""
    if start == 0:
        return True
    before = text[start - 1]
    if before.isalnum():
        return False
    return not (before in ".," and start >= 2 and text[start - 2].isdigit())


def _scanned(folded: str, terms: frozenset[str]) -> list[Match]:
    """The syllables ``terms`` in ``folded``, found by one scan of a pattern of them all
    (for terms that hold a decimal mark or other signs: "1.000")."""
    found: list[Match] = []
    for match in _pattern(terms).finditer(folded):
        start, end = match.span()
        if start and not _starts_syllable(folded, start):  # inside a syllable
            continue
        found.append((start, end, folded[start:end]))
    return found


@lru_cache(maxsize=8_192)
def _syllable_pattern(term: str) -> re.Pattern[str]:
    """``term`` (letters and digits) as a whole syllable of folded text: the term first,
    so the regular-expression engine searches for it as a string, then no letter or
    digit before or after it, nor a decimal mark and a digit after it."""
    escaped = re.escape(term)  # nothing to escape in letters and digits; kept for safety
    return re.compile(rf"{escaped}(?<![^\W_]{escaped})(?![^\W_])(?![.,]\d)")


def _found_each(folded: str, terms: frozenset[str]) -> list[Match]:
    """What :func:`_scanned` finds, for terms of letters and digits only, by one search
    a term: the engine's string search is faster than trying every alternative of one
    pattern at each letter, and a term's pattern is compiled once for every query."""
    found: list[Match] = []
    for term in terms:
        if term not in folded:  # a plain string search: half the terms are not there
            continue
        size = len(term)
        # the pattern has checked the letter before; what is left of _starts_syllable is
        # the decimals of a number ("1.000"), after a decimal mark only
        found += [
            (start, start + size, term)
            for start in map(_START, _syllable_pattern(term).finditer(folded))
            if folded[start - 1] not in ".," or _starts_syllable(folded, start)
        ]
    found.sort()
    return found


def _matches(text: str, marks: Marks, limit: int | None = None) -> list[Match]:
    """The query's syllables in ``text`` (in its first ``limit`` characters), those in
    a run of the query (and those marked wherever they stand) when there are runs. The
    folded text is searched (folding keeps offsets); no analyzer runs."""
    scanned = text if limit is None else text[:limit]
    folded = _folded(scanned)
    if not marks.plain:
        return _in_runs(_scanned(folded, marks.terms), marks, scanned)
    if marks.pairs:
        runs = _runs(folded, marks.pairs)
        if runs:  # the syllables outside them are not marked: not searched for either
            runs.update(_found_each(folded, marks.alone))
            return sorted(runs)
    return _found_each(folded, marks.terms)


def _in_runs(found: list[Match], marks: Marks, text: str) -> list[Match]:
    """Of ``found`` (every match, in order), those in a run of the query and those
    marked wherever they stand; all of them when there is no run."""
    pairs = marks.pairs
    in_runs: set[int] = set()
    for i, ((_, end, a), (start, _, b)) in enumerate(pairwise(found)):
        if (a, b) in pairs and not _has_syllable(text[end:start]):
            in_runs.update((i, i + 1))
    if not in_runs:
        return found
    alone = marks.alone
    return [match for i, match in enumerate(found) if i in in_runs or match[2] in alone]


@lru_cache(maxsize=8_192)
def _odd_gap_pattern(term: str) -> re.Pattern[str]:
    """``term`` (letters and digits) as a whole syllable of folded text (see
    :func:`_syllable_pattern`) and the signs and spaces after it, unless they are one
    space before a syllable ("lao, động", "lao - động", "lao động." but not "lao động")."""
    escaped = re.escape(term)
    return re.compile(rf"{escaped}(?<![^\W_]{escaped})(?![.,]\d)(?! [^\W_])[\W_]+")


def _runs(folded: str, pairs: frozenset[tuple[str, str]]) -> set[Match]:
    """The matches :func:`_in_runs` keeps for being in a run, found directly, without
    searching for every syllable (a common one's matches are mostly dropped): for each
    pair of the query, a string search for the two with one space between them, the
    usual run; and for each first syllable, a search for it before any other gap,
    the syllable after which is read. (A pattern for each pair cost more to compile
    than all its searches: a question has new pairs, its syllables are seldom new.)"""
    after: dict[str, set[str]] = {}
    for first, second in pairs:
        after.setdefault(first, set()).add(second)
    found: set[Match] = set()
    for first, seconds in after.items():
        if first not in folded:
            continue
        size = len(first)
        for second in seconds:
            side_by_side = f"{first} {second}"
            at = folded.find(side_by_side)
            while at != -1:
                end = at + len(side_by_side)
                if _starts_syllable(folded, at) and _ends_syllable(folded, end):
                    found.add((at, at + size, first))
                    found.add((end - len(second), end, second))
                at = folded.find(side_by_side, at + 1)
        for match in _odd_gap_pattern(first).finditer(folded):
            start, then = match.span()  # the first syllable, then the gap
            if folded[start - 1] in ".," and not _starts_syllable(folded, start):
                continue
            word = _SYLLABLE.match(folded, then)
            if word is None or word.group() not in seconds:
                continue
            if _starts_syllable(folded, then) and _ends_syllable(folded, word.end()):
                found.add((start, start + size, first))
                found.add((then, word.end(), word.group()))
    return found


def _ends_syllable(text: str, end: int) -> bool:
    """No letter or digit just after ``end``, nor a decimal mark and a digit."""
    if end == len(text):
        return True
    after = text[end]
    if after.isalnum():
        return False
    return not (after in ".," and text[end + 1 : end + 2].isdecimal())


def _has_syllable(gap: str) -> bool:
    """A letter or digit in ``gap`` (``str.isalnum``: what ``[^\\W_]`` matches)."""
    return gap != " " and _SYLLABLE.search(gap) is not None


def _html(text: str, begin: int, end: int, matches: list[Match]) -> str:
    """``text[begin:end]`` escaped, with the matches inside it in ``<mark>``."""
    pieces: list[str] = []  # the text before each match, then the match
    at = begin
    for start, stop, _ in matches:
        if start >= begin and stop <= end:
            pieces += [text[at:start], text[start:stop]]
            at = stop
    pieces.append(text[at:end])
    if _OPEN in text or _CLOSE in text:  # the placeholders are the text's own: piece by piece
        return "".join(
            escape(piece, quote=False) if i % 2 == 0 else f"<mark>{escape(piece, quote=False)}</mark>"
            for i, piece in enumerate(pieces)
        )
    # the matches set off by two control characters, and the whole escaped at once
    placed = "".join(piece if i % 2 == 0 else f"{_OPEN}{piece}{_CLOSE}" for i, piece in enumerate(pieces))
    return escape(placed, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _best_windows(matches: list[Match], chars: int, count: int, apart: int) -> list[int]:
    """Start offsets of up to ``count`` windows of ``chars`` characters, at least
    ``apart`` from each other, holding the most distinct query syllables, in text order.
    A window starts at each match; its matches are counted as it slides (matches are in
    text order)."""
    scored: list[tuple[int, int]] = []  # (-distinct syllables, start)
    inside: dict[str, int] = {}  # syllable -> its matches in the window
    end, last = 0, len(matches)  # the first match past the window
    for start, _, first in matches:
        reach = start + chars
        while end < last and matches[end][0] < reach:
            term = matches[end][2]
            inside[term] = inside.get(term, 0) + 1
            end += 1
        scored.append((-len(inside), start))
        if inside[first] == 1:  # the window moves past its first match
            del inside[first]
        else:
            inside[first] -= 1
    chosen: list[int] = []
    for _, start in sorted(scored):
        for other in chosen:
            if abs(start - other) < apart:
                break
        else:
            chosen.append(start)
            if len(chosen) == count:
                break
    return sorted(chosen)


def _fragment(text: str, start: int, chars: int, matches: list[Match]) -> str:
    """About ``chars`` characters of ``text`` around a window that starts at ``start``
    (a third before it, and all of the window its matches were counted in), cut at
    spaces, as marked HTML."""
    begin = text.rfind(" ", 0, max(0, start - chars // 3)) + 1
    end = text.find(" ", min(len(text), max(begin + chars, start + _counted(chars))))
    return _html(text, begin, end if end != -1 else len(text), matches)


def _counted(chars: int) -> int:
    """How far after its start a fragment of ``chars`` characters counts matches: what
    it shows after a third shown before it. (Counting the whole ``chars`` chose
    fragments for matches they then cut off.)"""
    return chars - chars // 3


def snippet(text: str, marks: Marks, chars: int = SNIPPET_CHARS, fragments: int = 2) -> str:
    """The best fragments of ``text`` with the query's words marked, as HTML on one
    line; the opening of the text when no query word occurs in its first
    ``CHAR_LIMIT`` characters. The cost per hit is a few string searches of those
    characters for each pair of the query's syllables (see :func:`_runs`)."""
    matches = _matches(text, marks, CHAR_LIMIT) if marks else []
    if not matches:
        return _opening(text, FALLBACK_CHARS)
    starts = _best_windows(matches, _counted(chars), fragments, apart=chars)
    marked = [_fragment(text, start, chars, matches) for start in starts]
    return " ".join(" … ".join(marked).split())


def mark_all(text: str, marks: Marks) -> str:
    """All of ``text`` as HTML with the query's words marked (titles, articles)."""
    if not marks:
        return escape(text, quote=False)
    return _html(text, 0, len(text), _matches(text, marks))


def hit(document: Document, score: float | None, marks: Marks) -> Hit:
    """A result of a search: the article's headline and best fragments, marked."""
    return Hit(
        id=document.id,
        title=document.title,
        marked_title=partial(mark_all, document.title, marks),
        snippet=snippet(document.body, marks),
        url=document.url,
        district=document.district,
        year=document.year,
        date=document.date,
        score=round(score, 4) if score is not None else None,
        date_kind=date_kind(document.date, document.year),
    )
