"""BM25 of a :class:`~search.query.Plan` over the candidates Typesense returned.

The same computation as :meth:`search.backends.local.retrieval.Retriever.evaluate`, restricted to the
candidates: term frequencies are counted in each candidate's stored token sequences,
document frequencies come from the statistics the build wrote, field lengths are
quantised the way Whoosh stores them, so a document scores what it scores in the
Whoosh backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from search import fields
from search.analysis.analyzers import COMPOUND_JOINER
from search.analysis.views import pairs_of, phrase_in, quantised
from search.backends.typesense import records
from search.query import matching, proximity, ranking
from search.query.planner import Condition, Plan, TermRef
from search.text import fold, fold_letters

# The view (statistics short name) each Whoosh field of a plan stands for.
VIEW_OF = records.VIEWS


def fold_all(syllables: list[str]) -> list[str]:
    """``[fold(s) for s in syllables]`` of lowercase syllables, letters folded in one pass
    (fold works letter by letter, so the result is the same)."""
    folded = fold_letters(" ".join(syllables)).split(" ") if syllables else []
    return [s if s.isascii() else fold(s) for s in folded]


@dataclass
class Candidate:
    """One candidate document's token sequences, as stored."""

    id: str
    title: list[str]
    body: list[str]
    words: list[str]
    title_folded: list[str]
    body_folded: list[str]
    _counts: dict[str, Counter[str]] = field(default_factory=dict)

    @classmethod
    def from_hit(cls, doc: Mapping[str, Any]) -> Candidate:
        title = (doc.get(records.TITLE_SEQUENCE) or "").split()
        body = (doc.get(records.BODY_SEQUENCE) or "").split()
        title_folded = doc.get(records.TITLE_FOLDED_SEQUENCE)
        body_folded = doc.get(records.BODY_FOLDED_SEQUENCE)
        return cls(
            id=doc["id"],
            title=title,
            body=body,
            words=(doc.get(records.WORDS_SEQUENCE) or "").split(),
            title_folded=title_folded.split() if title_folded is not None else fold_all(title),
            body_folded=body_folded.split() if body_folded is not None else fold_all(body),
        )

    def sequence(self, view: str) -> list[str]:
        if view == records.BODY:
            return self.body
        if view == records.TITLE:
            return self.title
        if view == records.BODY_FOLDED:
            return self.body_folded
        if view == records.TITLE_FOLDED:
            return self.title_folded
        if view == records.WORDS:
            return self.words
        return pairs_of(self.title_folded) + pairs_of(self.body_folded)

    def counts(self, view: str, needed: frozenset[str]) -> Counter[str]:
        """Frequencies of the ``needed`` terms of one view (counted once per view)."""
        found = self._counts.get(view)
        if found is None:
            if view == records.PAIRS:  # pairs as tuples, so the document's pairs are never joined
                wanted = {tuple(pair.split(COMPOUND_JOINER, 1)): pair for pair in needed}
                adjacent = [*pairwise(self.title_folded), *pairwise(self.body_folded)]
                pairs = Counter(filter(wanted.__contains__, adjacent))
                found = Counter({wanted[pair]: n for pair, n in pairs.items()})
            else:
                found = Counter(filter(needed.__contains__, self.sequence(view)))
            self._counts[view] = found
        return found

    def length(self, view: str) -> float:
        if view == records.PAIRS:
            return quantised(max(0, len(self.title) - 1) + max(0, len(self.body) - 1))
        if view in (records.BODY, records.BODY_FOLDED):
            return quantised(len(self.body))
        if view in (records.TITLE, records.TITLE_FOLDED):
            return quantised(len(self.title))
        return quantised(len(self.words))

    def has_phrase(self, view: str, words: list[str]) -> bool:
        return phrase_in(self.sequence(view), words)


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
    refs: list[TermRef] = [
        ref for clause in plan.clauses for alt in clause.alternatives for s in alt for ref in s
    ]
    refs += plan.boosts
    for condition in plan.phrases + plan.exclusions:
        if isinstance(condition, list):
            refs += condition
    return {(VIEW_OF[ref.field], ref.text) for ref in refs}


def phrase_parts(condition: Condition) -> list[tuple[str, list[str]]]:
    """(view, words) of each phrase a condition names."""
    if isinstance(condition, list):
        return []
    return [(VIEW_OF[name], list(condition.words)) for name in condition.fields]


class Scorer:
    def __init__(self, candidates: list[Candidate], statistics: Statistics, plan: Plan) -> None:
        self.candidates = candidates
        needed: dict[str, set[str]] = {view: set() for view in VIEW_OF.values()}
        for view, term in plan_terms(plan):
            needed[view].add(term)
        self.needed = {view: frozenset(terms) for view, terms in needed.items()}
        self.statistics = statistics
        self.size = len(candidates)
        self._lengths: dict[str, np.ndarray] = {}
        self._matrices: dict[str, np.ndarray] = {}
        self._rows: dict[str, dict[str, int]] = {}

    def _tf(self, view: str, term: str) -> np.ndarray:
        """The term's frequency in each candidate (one matrix a view, filled once)."""
        matrix = self._matrices.get(view)
        if matrix is None:
            row = {t: i for i, t in enumerate(sorted(self.needed[view]))}
            matrix = np.zeros((len(row), self.size), dtype=np.float32)
            for column, candidate in enumerate(self.candidates):
                for t, n in candidate.counts(view, self.needed[view]).items():
                    matrix[row[t], column] = n
            self._matrices[view] = matrix
            self._rows[view] = row
        index = self._rows[view].get(term)
        return matrix[index] if index is not None else np.zeros(self.size, dtype=np.float32)

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

    def evaluate(self, plan: Plan) -> matching.Evaluation:
        """Scores of the candidates and which of them match the plan."""
        return matching.evaluate(plan, self.size, self._add_bm25, self._documents_of)

    def _sort(self, chosen: list[int], scores: np.ndarray, partial: np.ndarray | None) -> None:
        keys = matching.tiered(scores, partial)  # partial answers after the others
        chosen.sort(key=lambda i: (-float(keys[i]), self.candidates[i].id))

    def _frequency(self, folded: str) -> int:
        return self.statistics.frequencies.get((VIEW_OF[fields.BODY_FOLDED], folded), 1)

    def ranked(self, plan: Plan, limit: int) -> list[tuple[Candidate, float]]:
        """The best ``limit`` matching candidates, best first (ties by id, as on the
        Whoosh backend)."""
        scores, matched, partial = self.evaluate(plan)
        chosen = [i for i in range(self.size) if matched[i]]
        self._sort(chosen, scores, partial)
        found = proximity.proximity(plan, self._frequency, self.statistics.documents)
        if found is not None:  # the best reordered by proximity, as on the local backend
            best = chosen[: proximity.DEPTH]
            sequences = [self.candidates[i].title_folded + self.candidates[i].body_folded for i in best]
            proximity.rerank(scores, best, found.shares_of(sequences))
            self._sort(chosen, scores, partial)
        return [(self.candidates[i], float(scores[i])) for i in chosen[:limit]]
