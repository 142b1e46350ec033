"""BM25 of a :class:`~search.query.Plan` over the candidates Typesense returned.

The same computation as :meth:`search.retrieval.Retriever.evaluate`, restricted to the
candidates: term frequencies are counted in each candidate's stored token sequences,
document frequencies come from the statistics the build wrote, field lengths are
quantised the way Whoosh stores them, so a document scores what it scores in the
Whoosh backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from whoosh.query import Or, Phrase
from whoosh.util.numeric import byte_to_length, length_to_byte

from search import ranking
from search.query import Condition, Plan, TermRef
from search.text import fold
from search.typesense_backend import documents as d

# The view (statistics short name) each Whoosh field of a plan stands for.
VIEW_OF = d.VIEWS


def quantised(length: int) -> float:
    """The field length Whoosh stores (one byte, lossy) and scores with."""
    return float(byte_to_length(length_to_byte(length))) if length else 0.0


@dataclass
class Candidate:
    """One candidate document's token sequences, as stored."""

    id: str
    seq: int
    title: list[str]
    body: list[str]
    words: list[str]
    _counts: dict[str, Counter[str]] = field(default_factory=dict)

    @classmethod
    def from_hit(cls, doc: Mapping[str, Any]) -> Candidate:
        return cls(
            id=doc["id"],
            seq=int(doc.get("seq", 0)),
            title=(doc.get(d.TITLE_SEQUENCE) or "").split(),
            body=(doc.get(d.BODY_SEQUENCE) or "").split(),
            words=(doc.get(d.WORDS_SEQUENCE) or "").split(),
        )

    @cached_property
    def title_folded(self) -> list[str]:
        return [fold(s) for s in self.title]

    @cached_property
    def body_folded(self) -> list[str]:
        return [fold(s) for s in self.body]

    def sequence(self, view: str) -> list[str]:
        if view == "b":
            return self.body
        if view == "t":
            return self.title
        if view == "fb":
            return self.body_folded
        if view == "ft":
            return self.title_folded
        if view == "w":
            return self.words
        return d.pairs_of(self.title_folded + self.body_folded)

    def counts(self, view: str) -> Counter[str]:
        found = self._counts.get(view)
        if found is None:
            found = self._counts[view] = Counter(self.sequence(view))
        return found

    def length(self, view: str) -> float:
        if view == "p":
            return quantised(max(0, len(self.title) + len(self.body) - 1))
        return quantised(len(self.sequence(view)))

    def has_phrase(self, view: str, words: list[str]) -> bool:
        sequence = self.sequence(view)
        n = len(words)
        return any(sequence[i : i + n] == words for i in range(len(sequence) - n + 1) if sequence[i] == words[0])


@dataclass
class Statistics:
    """Collection-wide figures the build stored: documents, average view lengths and
    the document frequency of each term (a term the statistics lack is in at most one
    document)."""

    documents: int
    averages: dict[str, float]
    frequencies: dict[tuple[str, str], int]

    def idf(self, view: str, term: str) -> float:
        return ranking.idf(self.frequencies.get((view, term), 1), self.documents)


def plan_terms(plan: Plan) -> set[tuple[str, str]]:
    """Every (view, term) the plan scores or tests."""
    refs: list[TermRef] = [ref for clause in plan.clauses for alt in clause.alternatives for s in alt for ref in s]
    refs += plan.boosts
    for condition in plan.phrases + plan.exclusions:
        if isinstance(condition, list):
            refs += condition
    return {(VIEW_OF[ref.field], ref.text) for ref in refs}


def phrase_parts(condition: Condition) -> list[tuple[str, list[str]]]:
    """(view, words) of each phrase a Whoosh condition names."""
    subqueries = condition.subqueries if isinstance(condition, Or) else [condition]
    return [(VIEW_OF[q.fieldname], list(q.words)) for q in subqueries if isinstance(q, Phrase)]


class Scorer:
    def __init__(self, candidates: list[Candidate], statistics: Statistics) -> None:
        self.candidates = candidates
        self.statistics = statistics
        self.size = len(candidates)
        self._lengths: dict[str, np.ndarray] = {}

    def _tf(self, view: str, term: str) -> np.ndarray:
        return np.fromiter((c.counts(view).get(term, 0) for c in self.candidates), np.float32, self.size)

    def _view_lengths(self, view: str) -> np.ndarray:
        if view not in self._lengths:
            self._lengths[view] = np.fromiter(
                (c.length(view) for c in self.candidates), np.float32, self.size
            )
        return self._lengths[view]

    def _add_bm25(self, ref: TermRef, scores: np.ndarray) -> np.ndarray:
        view = VIEW_OF[ref.field]
        tf = self._tf(view, ref.text)
        present = tf > 0
        if present.any():
            average = self.statistics.averages.get(view) or 1.0
            term_idf = self.statistics.idf(view, ref.text)
            lengths = self._view_lengths(view)
            scores[present] += ref.boost * ranking.bm25(
                term_idf, tf[present], lengths[present], average, ranking.K1, ranking.B
            )
        return present

    def _documents_of(self, condition: Condition) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        if isinstance(condition, list):
            for ref in condition:
                mask |= self._tf(VIEW_OF[ref.field], ref.text) > 0
            return mask
        for view, words in phrase_parts(condition):
            mask |= np.fromiter((c.has_phrase(view, words) for c in self.candidates), bool, self.size)
        return mask

    def evaluate(self, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the candidates and which of them match the plan."""
        scores = np.zeros(self.size, dtype=np.float32)
        if plan.matches_everything:
            matched = np.ones(self.size, dtype=bool)
        else:
            met = np.zeros(self.size, dtype=np.int32)
            counted = [c for c in plan.clauses if not c.filler] or plan.clauses
            for clause in plan.clauses:
                clause_mask = np.zeros(self.size, dtype=bool)
                for alternative in clause.alternatives:
                    all_of = np.ones(self.size, dtype=bool)
                    for syllable in alternative:
                        any_of = np.zeros(self.size, dtype=bool)
                        for ref in syllable:
                            any_of |= self._add_bm25(ref, scores)
                        all_of &= any_of
                    clause_mask |= all_of
                if any(clause is c for c in counted):
                    met += clause_mask
            matched = met >= plan.min_match
            for phrase in plan.phrases:
                matched &= self._documents_of(phrase)
            for ref in plan.boosts:
                self._add_bm25(ref, scores)
        for exclusion in plan.exclusions:
            matched &= ~self._documents_of(exclusion)
        return scores, matched

    def ranked(self, plan: Plan, limit: int) -> list[tuple[Candidate, float]]:
        """The best ``limit`` matching candidates, best first (ties in index order)."""
        scores, matched = self.evaluate(plan)
        chosen = [i for i in range(self.size) if matched[i]]
        chosen.sort(key=lambda i: (-float(scores[i]), self.candidates[i].seq))
        return [(self.candidates[i], float(scores[i])) for i in chosen[:limit]]

