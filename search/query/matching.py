"""Which documents answer a :class:`~search.query.Plan`, and their scores: the one
evaluation both backends use, over whatever documents they hold (all of a Whoosh
generation, or a Typesense query's candidates)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from search.query.planner import Condition, Plan, TermRef

# Adds a term's BM25 to the scores; returns the documents that have it (numbers or a mask).
AddTerm = Callable[[TermRef, np.ndarray], np.ndarray]
DocumentsOf = Callable[[Condition], np.ndarray]  # a boolean mask


def evaluate(
    plan: Plan, size: int, add_term: AddTerm, documents_of: DocumentsOf, live: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of ``size`` documents, and which of them (among ``live``) match ``plan``:
    enough of its clauses, every phrase, no exclusion."""
    scores = np.zeros(size, dtype=np.float32)
    if plan.matches_everything:
        matched = np.ones(size, dtype=bool) if live is None else live.copy()
    else:
        met = np.zeros(size, dtype=np.int32)
        counted = [c for c in plan.clauses if not c.filler] or plan.clauses
        for clause in plan.clauses:
            if not any(clause is c for c in counted):  # it only scores: no masks to build
                for alternative in clause.alternatives:
                    for syllable in alternative:
                        for ref in syllable:
                            add_term(ref, scores)
                continue
            clause_mask = np.zeros(size, dtype=bool)
            for alternative in clause.alternatives:
                all_of = np.ones(size, dtype=bool)
                for syllable in alternative:
                    any_of = np.zeros(size, dtype=bool)
                    for ref in syllable:
                        found = add_term(ref, scores)
                        if ref.matches:
                            any_of[found] = True
                    all_of &= any_of
                clause_mask |= all_of
            met += clause_mask
        matched = met >= plan.min_match
        if live is not None:
            matched &= live
        for phrase in plan.phrases:
            matched &= documents_of(phrase)
        for ref in plan.boosts:
            add_term(ref, scores)
    for exclusion in plan.exclusions:
        matched &= ~documents_of(exclusion)
    return scores, matched
