"""Proximity: the first stage's best documents reordered by how much of the query one
passage of each holds.

BM25 over the views counts a query's words anywhere in a document, and the pairs view
rewards two of them side by side; neither sees that a question's words stand together
in one sentence of the article that answers it, and apart in a long article about
something else. So the best :data:`DEPTH` documents of the first stage get a bonus: the
share of the query's clauses (each weighed by the square root of its rarest syllable's
IDF) that the best window of :data:`WINDOW_CHARS` characters of the document holds,
times the planner's ``PROXIMITY_BOOST`` times the best first-stage score. The bonus is never
negative, so the reordered documents stay above every other one, and each page of a
ranking is the same whichever page is asked first. Chosen on the ViNewsQA dev questions
and checked on the known-item sets (BENCHMARKS.md, session 10).

Both backends call :func:`rerank`, the local one with the stored texts, the Typesense
one with the candidates' token sequences, so they reorder alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from search import fields
from search.query import planner, ranking
from search.query.planner import Plan
from search.snippets import CHAR_LIMIT, occurrences

DEPTH = 30  # the first stage's best documents that are reordered
WINDOW_CHARS = 80  # a passage: about 18 syllables, a sentence of a news article


@dataclass(frozen=True)
class Proximity:
    """A query's clauses as the passages of a document are scored on them."""

    clauses_of: dict[str, tuple[int, ...]]  # a folded syllable -> the clauses it stands for
    weights: tuple[float, ...]  # each clause's share of the query, summing to 1

    def passage(self, texts: Sequence[str]) -> float:
        """The share of the query that the best window of ``texts`` (a document's
        headline and text, read one after the other) holds, from 0 to 1."""
        found: list[tuple[int, tuple[int, ...]]] = []
        offset = 0
        terms = frozenset(self.clauses_of)
        for text in texts:
            scanned = text[:CHAR_LIMIT]
            found += [(offset + at, self.clauses_of[term]) for at, _, term in occurrences(scanned, terms)]
            offset += len(scanned) + 1
        return _best_window(found, self.weights)


def _best_window(found: list[tuple[int, tuple[int, ...]]], weights: tuple[float, ...]) -> float:
    """The largest sum of the weights of distinct clauses among ``found`` (offset,
    clauses) that stand within :data:`WINDOW_CHARS` of each other."""
    inside = [0] * len(weights)
    held = best = 0.0
    first = 0
    for start, clauses in found:
        for clause in clauses:
            if not inside[clause]:
                held += weights[clause]
            inside[clause] += 1
        while found[first][0] <= start - WINDOW_CHARS:
            for clause in found[first][1]:
                inside[clause] -= 1
                if not inside[clause]:
                    held -= weights[clause]
            first += 1
        best = max(best, held)
    return min(best, 1.0)


def proximity(plan: Plan, frequency: Callable[[str], int], documents: int) -> Proximity | None:
    """How passages are scored on ``plan``: its counted clauses (not the fillers), each
    by the folded syllables of all its alternatives, weighed by the IDF of its rarest
    syllable that some document has (``frequency``: in how many of the ``documents``).
    None when fewer than two clauses are known: every candidate would get the same."""
    syllables: list[set[str]] = []
    rarity: list[float] = []
    for clause in plan.clauses:
        if clause.filler:
            continue
        terms = {
            ref.text
            for alternative in clause.alternatives
            for syllable in alternative
            for ref in syllable
            if ref.field == fields.BODY_FOLDED
        }
        known = [n for n in map(frequency, terms) if n > 0]
        if known:
            syllables.append(terms)
            rarity.append(math.sqrt(ranking.idf(min(known), documents)))
    total = sum(rarity)
    if len(syllables) < 2 or total <= 0:
        return None
    clauses_of: dict[str, tuple[int, ...]] = {}
    for number, terms in enumerate(syllables):
        for term in terms:
            clauses_of[term] = (*clauses_of.get(term, ()), number)
    return Proximity(clauses_of, tuple(weight / total for weight in rarity))


def rerank(
    scores: np.ndarray,
    best: Sequence[int] | np.ndarray,
    texts_of: Callable[[int], Sequence[str]],
    found: Proximity | None,
) -> None:
    """Add to ``scores`` of the ``best`` documents (the first stage's, best first) their
    proximity bonus; ``texts_of(document)``: its headline and text."""
    if found is None or len(best) < 2:
        return
    top = float(scores[best[0]])
    if top <= 0:
        return
    for document in best:
        scores[document] += planner.PROXIMITY_BOOST * top * found.passage(texts_of(int(document)))
