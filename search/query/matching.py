"""Which documents answer a :class:`~search.query.Plan`, and their scores: the one
evaluation both backends use, over whatever documents they hold (all of a Whoosh
generation, or a Typesense query's candidates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from search.query.planner import Alternative, Condition, Plan, TermRef

# Adds a term's BM25 to the scores; returns the documents that have it (numbers or a mask).
AddTerm = Callable[[TermRef, np.ndarray], np.ndarray]
DocumentsOf = Callable[[Condition], np.ndarray]  # a boolean mask

# When fewer documents than this have enough of a long query's words, those that have
# some of them follow (a question of words the corpus hardly has still gets a page). A
# short query, which needs all its words, gets them only when none has all.
FEW_MATCHES = 10


class Evaluation(NamedTuple):
    """A plan's scores of every document, and which documents answer it."""

    scores: np.ndarray
    matched: np.ndarray  # the answers: those with enough of the words, then any partial ones
    partial: np.ndarray | None  # the answers that have only some of the words; None: none


def evaluate(
    plan: Plan, size: int, add_term: AddTerm, documents_of: DocumentsOf, live: np.ndarray | None = None
) -> Evaluation:
    """Scores of ``size`` documents, and which of them (among ``live``) match ``plan``:
    enough of its clauses, every phrase, no exclusion. When fewer than
    :data:`FEW_MATCHES` have enough of a long query's clauses, or none has all of a
    short query's, documents with at least one (and every phrase) are added as
    ``partial``."""
    scores = np.zeros(size, dtype=np.float32)
    partial = None
    if plan.matches_everything:
        matched = np.ones(size, dtype=bool) if live is None else live.copy()
    else:
        counted = [c for c in plan.clauses if not c.filler] or plan.clauses
        # clauses each document has: one byte each while they cannot overflow it (four
        # times less memory to add each clause's mask to than int32)
        met: np.ndarray = np.zeros(
            size, dtype=np.uint8 if len(counted) <= np.iinfo(np.uint8).max else np.int32
        )
        for clause in plan.clauses:
            if not any(clause is c for c in counted):  # it only scores: no masks to build
                for alternative in clause.alternatives:
                    for syllable in alternative:
                        for ref in syllable:
                            add_term(ref, scores)
                continue
            met += _clause_mask(clause.alternatives, size, add_term, scores).view(np.uint8)  # 0 or 1
        allowed = np.ones(size, dtype=bool) if live is None else live.copy()
        for phrase in plan.phrases:
            allowed &= documents_of(phrase)
        matched = (met >= plan.min_match) & allowed
        enough = FEW_MATCHES if plan.min_match < len(counted) else 1
        if plan.min_match > 1 and np.count_nonzero(matched) < enough:
            # some of the words; with a quoted phrase, which they all have, that is enough
            partial = allowed & ~matched if plan.phrases else (met > 0) & allowed & ~matched
            matched |= partial
        for ref in plan.boosts:
            add_term(ref, scores)
    for exclusion in plan.exclusions:
        matched &= ~documents_of(exclusion)
    if partial is not None:
        partial &= matched
        if not partial.any():
            partial = None
    return Evaluation(scores, matched, partial)


def _clause_mask(
    alternatives: list[Alternative], size: int, add_term: AddTerm, scores: np.ndarray
) -> np.ndarray:
    """The documents that have every syllable of one of a clause's ``alternatives`` (a
    syllable: any of its terms), adding each term's score. The masks of a clause of one
    syllable, the most common kind, are the syllable's own: no array is combined."""
    clause_mask: np.ndarray | None = None
    for alternative in alternatives:
        all_of: np.ndarray | None = None
        for syllable in alternative:
            any_of = np.zeros(size, dtype=bool)
            for ref in syllable:
                found = add_term(ref, scores)
                if ref.matches:
                    mark(any_of, found)
            if all_of is None:
                all_of = any_of
            else:
                all_of &= any_of
        if all_of is None:  # no syllable to have: every document has them all
            all_of = np.ones(size, dtype=bool)
        if clause_mask is None:
            clause_mask = all_of
        else:
            clause_mask |= all_of
    return np.zeros(size, dtype=bool) if clause_mask is None else clause_mask


def mark(mask: np.ndarray, found: np.ndarray) -> None:
    """Set ``mask`` where ``found`` (what an :data:`AddTerm` returns) has documents:
    document numbers, or a mask of its own."""
    if found.dtype == bool:
        mask |= found
    else:
        mask[found] = True


def tiered(keys: np.ndarray, partial: np.ndarray | None) -> np.ndarray:
    """``keys`` (higher first) lowered for ``partial`` answers below every other one."""
    if partial is None:
        return keys
    values = keys.astype(np.float64)
    return np.where(partial, values - (values.max() - values.min() + 1.0), values)
