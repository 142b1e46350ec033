"""Typo tolerance: a query word the index does not know, or knows far less than a word
one edit away, also matches that word ("cong doanf" finds "công đoàn", "Phú Xyên"
finds "Phú Xuyên"). Edits are on the folded form: insert, delete, substitute a letter,
swap two adjacent letters. A word the index knows well is never corrected."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from search.text import fold

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_LETTERS = 3  # shorter words have too many neighbours to guess from ...
MIN_PAIRED_LETTERS = 2  # ... unless the words around confirm one
WELL_KNOWN = 20  # documents: a word in this many is never corrected ...
FAR_MORE = 20  # ... and a rarer one only to a neighbour in this many times more documents
MAX_CORRECTIONS = 3  # neighbours kept for one word, the most frequent first


def one_edit(word: str) -> set[str]:
    """Every string one insert, delete, substitution or adjacent swap from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {left + right[1:] for left, right in splits if right}
    found |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    found |= {left + c + right[1:] for left, right in splits if right for c in LETTERS}
    found |= {left + c + right for left, right in splits for c in LETTERS}
    found.discard(word)
    return found


Frequencies = Callable[[list[str]], list[int]]  # documents of each folded syllable


def neighbours(word: str, frequencies: Frequencies) -> tuple[int, list[tuple[int, str]]]:
    """How many documents have ``word``, and its neighbours one edit away that the index
    knows (documents, neighbour); none for a word in :data:`WELL_KNOWN` documents or more,
    which is never corrected. Callers cache this per index: it costs hundreds of lookups,
    and readers type the same words again and again."""
    (known,) = frequencies([word])
    if known >= WELL_KNOWN:
        return known, []
    edits = sorted(one_edit(word))
    return known, [(n, c) for n, c in zip(frequencies(edits), edits, strict=True) if n]


PairFrequencies = Callable[[list[tuple[str, str]]], list[int]]  # documents of each folded pair


def corrections(
    terms: list[str],
    neighbours_of: Callable[[str], tuple[int, list[tuple[int, str]]]],
    pair_frequencies: PairFrequencies,
) -> dict[str, list[str]]:
    """Query syllable -> the folded syllables it may have meant to type (absent when it
    needs none). ``neighbours_of`` is :func:`neighbours` (cached) for a folded syllable,
    ``pair_frequencies`` the documents in which two stand side by side: a neighbour that
    makes a known pair with the words around it ("cong doan", not "cong doanh") comes
    first. The words around are read as typed or as their own corrections, so two typos
    side by side are checked against the pairs the index holds ("sau rieng" for "sau
    rueng"). A word of two letters is corrected only to a neighbour that makes such a
    pair: two letters have too many neighbours to guess from otherwise."""
    folded = [fold(term.lower()) for term in terms]
    candidates = [_candidates(word, neighbours_of) for word in folded]
    # What each place may read as, for its neighbours' sake: as typed, or a correction.
    readings = [
        [word, *(c for _n, c in found[:MAX_CORRECTIONS])]
        for word, found in zip(folded, candidates, strict=True)
    ]
    found: dict[str, list[str]] = {}
    for i, (term, options) in enumerate(zip(terms, candidates, strict=True)):
        if term in found or not options:
            continue
        before = readings[i - 1] if i > 0 else []
        after = readings[i + 1] if i + 1 < len(readings) else []
        ranked = _ranked(options, before, after, pair_frequencies)[:MAX_CORRECTIONS]
        if len(folded[i]) < MIN_LETTERS and not ranked[0][0][0]:  # no pair confirms it
            continue
        found[term] = [candidate for _use, candidate in ranked]
    return found


def _candidates(
    word: str, neighbours_of: Callable[[str], tuple[int, list[tuple[int, str]]]]
) -> list[tuple[int, str]]:
    """The neighbours ``word`` (folded) may be a typo of (documents, neighbour): none
    for a word the index knows well, else those it knows far more often."""
    if len(word) < MIN_PAIRED_LETTERS or not word.isalpha() or not word.isascii():
        return []
    known, around = neighbours_of(word)
    if known >= WELL_KNOWN:
        return []
    wanted = max(1, known * FAR_MORE)
    return [(n, c) for n, c in around if n >= wanted]


def _ranked(
    candidates: list[tuple[int, str]],
    before: list[str],
    after: list[str],
    pair_frequencies: PairFrequencies,
) -> list[tuple[tuple[int, int], str]]:
    """``candidates`` as ((pair documents, documents), syllable), best first: the pairs
    they make with the words that may stand before and after them (one lookup for all),
    then how much they are used; only those that make pairs when some do."""
    before = [b for b in before if b]
    after = [a for a in after if a]
    pairs = [(b, c) for _n, c in candidates for b in before] + [(c, a) for _n, c in candidates for a in after]
    known = dict(zip(pairs, pair_frequencies(pairs), strict=True)) if pairs else {}
    scored = []
    for n, candidate in candidates:
        use = max((known[b, candidate] for b in before), default=0)
        use += max((known[candidate, a] for a in after), default=0)
        scored.append(((use, n), candidate))
    scored.sort(reverse=True)
    if scored and scored[0][0][0]:
        scored = [item for item in scored if item[0][0]]
    return scored


def by_use(
    candidates: list[tuple[int, str]],
    before: str,
    after: str,
    pair_frequencies: PairFrequencies,
    limit: int,
) -> list[str]:
    """The best ``limit`` of ``candidates`` (documents, syllable) in the place between
    ``before`` and ``after`` (either may be empty): those that make pairs the index
    knows with them first, and only those when there are some; then the most used."""
    return [candidate for _use, candidate in _ranked(candidates, [before], [after], pair_frequencies)[:limit]]


def corrected(terms: list[str], found: Mapping[str, list[str]]) -> list[str]:
    """The query's syllables with each typo replaced by its likeliest correction."""
    return [found[term][0] if term in found else term for term in terms]
