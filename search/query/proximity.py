"""Proximity: the first stage's best documents reordered by how much of the query one
passage of each holds.

BM25 over the views counts a query's words anywhere in a document, and the pairs view
rewards two of them side by side; neither sees that a question's words stand together
in one sentence of the article that answers it, and apart in a long article about
something else. So the best :data:`DEPTH` documents of the first stage get a bonus: the
share of the query's clauses (each weighed by the square root of its IDF, see
:func:`proximity`) that the best window of :data:`WINDOW` syllables of the document
holds, times the planner's ``PROXIMITY_BOOST`` times the best first-stage score. The bonus is never
negative, so the reordered documents stay above every other one, and each page of a
ranking is the same whichever page is asked first. Chosen on the ViNewsQA dev questions
and checked on the known-item sets (BENCHMARKS.md, session 10).

Both backends call :func:`rerank` with :meth:`Proximity.shares`, the local one on the
sequences of syllables its posting store keeps for each document, the Typesense one on
the candidates' token sequences (:meth:`Proximity.shares_of`), so they reorder alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from search import fields
from search.query import planner, ranking
from search.query.planner import Plan

DEPTH = 30  # the first stage's best documents that are reordered
WINDOW = 20  # syllables: a passage about a sentence long

# Positions of different documents, set this far apart, never share a window.
_DOCUMENT_SPACING = 1 << 40


@dataclass(frozen=True)
class Proximity:
    """A query's clauses as the passages of a document are scored on them."""

    clauses_of: dict[str, tuple[int, ...]]  # a folded syllable -> the clauses it stands for
    weights: tuple[float, ...]  # each clause's share of the query, summing to 1

    @property
    def terms(self) -> list[str]:
        """The folded syllables that stand for a clause; ``term`` in :meth:`shares`
        numbers them in this order."""
        return list(self.clauses_of)

    def shares(
        self, documents: int, document: np.ndarray, position: np.ndarray, term: np.ndarray
    ) -> np.ndarray:
        """For each of ``documents`` documents, the largest share of the query whose
        clauses stand within :data:`WINDOW` syllables of each other, from 0 to 1; the
        query's syllables found in them are given as three aligned arrays: in which
        document, at which position (ascending within a document), which of
        :attr:`terms`. Numpy over all the documents at once: a window starts where a
        query's syllable stands, and holds a clause when the clause's first syllable at or
        after that position comes before the window's end."""
        best = np.zeros(documents)
        if not len(document):
            return best
        at = document.astype(np.int64) * _DOCUMENT_SPACING + position  # ascending
        stands_for = np.zeros((len(self.clauses_of), len(self.weights)), dtype=bool)  # term x clause
        rows = [row for row, clauses in enumerate(self.clauses_of.values()) for _ in clauses]
        stands_for[rows, [clause for clauses in self.clauses_of.values() for clause in clauses]] = True
        # each clause's first position at or after each syllable found: a running minimum
        # from the end, every clause at once
        later = np.where(stands_for[term].T, at, np.iinfo(np.int64).max)
        following = np.minimum.accumulate(later[:, ::-1], axis=1)[:, ::-1]
        inside = following < at + WINDOW
        held = np.zeros(len(at))
        for clause, weight in enumerate(self.weights):
            held += weight * inside[clause]
        np.maximum.at(best, document, held)
        return np.minimum(best, 1.0)

    def shares_of(self, sequences: Sequence[Sequence[str]]) -> np.ndarray:
        """:meth:`shares` of documents given as their folded syllables (headline then
        text), one sequence each."""
        numbers = {t: i for i, t in enumerate(self.terms)}
        found = [
            (document, position, numbers[syllable])
            for document, sequence in enumerate(sequences)
            for position, syllable in enumerate(sequence)
            if syllable in numbers
        ]
        document, position, term = np.array(found, dtype=np.int64).reshape(-1, 3).T
        return self.shares(len(sequences), document, position, term)

    def passage(self, sequence: Sequence[str]) -> float:
        """The share of the query in the best window of one document's folded syllables."""
        return float(self.shares_of([sequence])[0])


def proximity(plan: Plan, frequency: Callable[[str], int], documents: int) -> Proximity | None:
    """How passages are scored on ``plan``: its counted clauses (not the fillers), each
    by the folded syllables of all its alternatives, weighed by the square root of its
    IDF (``frequency``: in how many of the ``documents`` a folded syllable is). A clause
    is met by any of its alternatives (the words as typed, a typo's corrections, an
    abbreviation's other form), so it counts as common as its most common alternative,
    and an alternative, which needs all its syllables, as rare as its rarest: a rare
    typo does not make its clause weigh more than the word it stands for. None when
    fewer than two clauses are known: every candidate would get the same."""
    syllables: list[set[str]] = []
    rarity: list[float] = []
    for clause in plan.clauses:
        if clause.filler:
            continue
        terms: set[str] = set()
        ways: list[int] = []  # how many documents have each alternative (at most)
        for alternative in clause.alternatives:
            needed = []
            for syllable in alternative:
                folded = {ref.text for ref in syllable if ref.field == fields.BODY_FOLDED}
                terms |= folded
                needed.append(max(map(frequency, folded), default=0))
            ways.append(min(needed, default=0))  # an alternative needs all its syllables
        if max(ways, default=0) > 0:  # met by any alternative: as common as the most common
            syllables.append(terms)
            rarity.append(math.sqrt(ranking.idf(max(ways), documents)))
    total = sum(rarity)
    if len(syllables) < 2 or total <= 0:
        return None
    clauses_of: dict[str, tuple[int, ...]] = {}
    for number, terms in enumerate(syllables):
        for term in terms:
            clauses_of[term] = (*clauses_of.get(term, ()), number)
    return Proximity(clauses_of, tuple(weight / total for weight in rarity))


def rerank(scores: np.ndarray, best: Sequence[int] | np.ndarray, shares: np.ndarray) -> None:
    """Add to ``scores`` of the ``best`` documents (the first stage's, best first) their
    proximity bonus; ``shares``: the share of the query in each one's best passage."""
    if len(best) < 2:
        return
    top = float(scores[best[0]])
    if top > 0:
        scores[np.asarray(best)] += (planner.PROXIMITY_BOOST * top * shares).astype(scores.dtype)
