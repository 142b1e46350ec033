"""Cheap features of a query's first-stage candidates, for a learned reranker to read
(:mod:`search.tools.learned` trains and checks one).

:func:`candidate_features` ranks a query as :meth:`LocalEngine.rank` does (proximity
included) and describes each of its best ``depth`` documents by what the first stage
already knows: its score and rank, the share of it each view gives, how many of the
query's clauses it has (by count and by IDF), the compound and pair boosts it has, the
lengths of its folded views, and a few numbers of the query itself. Nothing is read
beyond the posting lists the ranking read (cached), so it costs little more than the
ranking.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from search import fields
from search.backends.local.engine import LocalEngine
from search.backends.local.retrieval import Retriever
from search.query import ranking
from search.query.planner import Plan, TermRef

FEATURE_NAMES: tuple[str, ...] = (
    "score",  # the first stage's score
    "score_share",  # score / the best candidate's score
    "rank",  # 0 for the first candidate
    "body_folded",  # the score's part from each view of the query's words (boosts included)
    "title_folded",
    "body",
    "title",
    "words",  # the score's part from the compound boosts (the words view)
    "pairs",  # ... and from the pair boosts
    "compound_hits",  # the share of the compound boosts the candidate has
    "pair_hits",  # the share of the pair boosts it has
    "coverage",  # the share of the counted clauses it has any term of
    "idf_coverage",  # the same, each clause weighed by its IDF (its rarest folded syllable)
    "title_idf_coverage",  # the same, in the folded title only
    "max_missing_idf",  # the IDF of its rarest clause missing, over the largest among the candidates
    "body_length",  # log(1 + syllables) of its folded body
    "title_length",  # log(1 + syllables) of its folded title
    "clauses",  # the query's counted clauses (not fillers, unless all are)
    "boosts",  # the query's compound and pair boosts
    "partial",  # 1 for a partial match (ranked below every full one)
    "score_gap",  # score - the best candidate's score
    "title_share",  # the part of the score from the title views
    "pair_share",  # the part of the score from the pair boosts
    "matched",  # how many documents the query matches
)
COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}

# Features that describe the collection a document comes from rather than how it answers
# the query. On a benchmark whose relevant articles come from one small corpus and whose
# distractors from another (the ViNewsQA dev articles among 35k news articles), the
# lengths of the two corpora's articles differ, so a model learns "long like a dev
# article" as relevance: its largest gain on the dev questions, and a loss on every set
# built otherwise. Leave them out (``--without``) unless the training set is one corpus.
LEAKY_FEATURES = ("body_length", "title_length")

VIEW_COLUMNS = {
    fields.BODY_FOLDED: COLUMN["body_folded"],
    fields.TITLE_FOLDED: COLUMN["title_folded"],
    fields.BODY: COLUMN["body"],
    fields.TITLE: COLUMN["title"],
}
EPSILON = 1e-6


class Candidates(NamedTuple):
    ids: list[str]  # document ids, in first-stage rank order (as LocalEngine.rank gives them)
    features: np.ndarray  # float32, len(ids) x len(FEATURE_NAMES)


def candidate_features(engine: LocalEngine, query: str, depth: int = 100) -> Candidates:
    """The first ``depth`` documents ``engine`` ranks for ``query`` and their features
    (the columns of :data:`FEATURE_NAMES`)."""
    opened = engine._opened()
    retriever = opened.retriever
    found = engine._matched(opened, query)
    candidates = np.flatnonzero(found.matched)
    top = engine._ranked(opened, found, candidates, 0, depth)
    stored = opened.searcher.reader().stored_fields
    ids = [stored(int(d))[fields.ID_FIELD] for d in top]
    features = np.zeros((len(top), len(FEATURE_NAMES)), dtype=np.float64)
    if len(top):
        scores = found.scores[top].astype(np.float64)
        _clause_features(features, retriever, found.plan, top)
        _boost_features(features, retriever, found.plan, top)
        _score_features(features, scores, len(candidates))
        features[:, COLUMN["body_length"]] = np.log1p(retriever._view_lengths(fields.BODY_FOLDED)[0][top])
        features[:, COLUMN["title_length"]] = np.log1p(retriever._view_lengths(fields.TITLE_FOLDED)[0][top])
        features[:, COLUMN["boosts"]] = len(found.plan.boosts)
        features[:, COLUMN["partial"]] = 0 if found.partial is None else found.partial[top]
    return Candidates(ids, features.astype(np.float32))


def _hits(retriever: Retriever, ref: TermRef, top: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Which of the ``top`` documents have the term, its BM25 in each (0 where absent),
    and how many documents have it."""
    found = retriever.postings(ref.field, ref.text)
    if found.ids is None:  # dense: every document's weight, 0 where absent
        hit = found.present()[top]  # the mask kept with the list
        return hit, np.where(hit, found.weights[top], 0.0), found.frequency
    ids, weights = found.ids, found.weights
    if len(ids) == 0:
        return np.zeros(len(top), dtype=bool), np.zeros(len(top)), 0
    at = np.searchsorted(ids, top)
    at[at >= len(ids)] = 0
    hit = ids[at] == top
    return hit, np.where(hit, weights[at], 0.0), len(ids)


def _clause_features(features: np.ndarray, retriever: Retriever, plan: Plan, top: np.ndarray) -> None:
    """The views' parts of the score, and how much of the query each candidate has."""
    every_filler = all(clause.filler for clause in plan.clauses)
    counted, total_idf = 0, 0.0
    coverage, idf_coverage, title_coverage, max_missing = np.zeros((4, len(top)))
    for clause in plan.clauses:
        met = np.zeros(len(top), dtype=bool)
        title_met = np.zeros(len(top), dtype=bool)
        clause_idf = 0.0
        for ref in (
            ref for alternative in clause.alternatives for syllable in alternative for ref in syllable
        ):
            hit, weights, frequency = _hits(retriever, ref, top)
            if frequency == 0:
                continue
            features[:, VIEW_COLUMNS.get(ref.field, COLUMN["body_folded"])] += ref.boost * weights
            if ref.matches:
                met |= hit
                if ref.field == fields.TITLE_FOLDED:
                    title_met |= hit
            if ref.field == fields.BODY_FOLDED:
                clause_idf = max(clause_idf, ranking.idf(frequency, retriever.documents))
        if clause.filler and not every_filler:
            continue
        counted += 1
        coverage += met
        idf_coverage += met * clause_idf
        title_coverage += title_met * clause_idf
        total_idf += clause_idf
        np.maximum(max_missing, ~met * clause_idf, out=max_missing)
    features[:, COLUMN["clauses"]] = counted
    features[:, COLUMN["coverage"]] = coverage / max(counted, 1)
    features[:, COLUMN["idf_coverage"]] = idf_coverage / (total_idf or 1)
    features[:, COLUMN["title_idf_coverage"]] = title_coverage / (total_idf or 1)
    features[:, COLUMN["max_missing_idf"]] = max_missing / max(float(max_missing.max()), EPSILON)


def _boost_features(features: np.ndarray, retriever: Retriever, plan: Plan, top: np.ndarray) -> None:
    """The compound (words view) and pair boosts' parts of the score, and the share of
    each kind the candidates have."""
    boosts = {fields.WORDS: 0, fields.PAIRS: 0}
    for ref in plan.boosts:
        kind = fields.WORDS if ref.field == fields.WORDS else fields.PAIRS
        boosts[kind] += 1
        hit, weights, _frequency = _hits(retriever, ref, top)
        features[:, COLUMN["words" if kind == fields.WORDS else "pairs"]] += ref.boost * weights
        features[:, COLUMN["compound_hits" if kind == fields.WORDS else "pair_hits"]] += hit
    features[:, COLUMN["compound_hits"]] /= max(boosts[fields.WORDS], 1)
    features[:, COLUMN["pair_hits"]] /= max(boosts[fields.PAIRS], 1)


def _score_features(features: np.ndarray, scores: np.ndarray, matched: int) -> None:
    """The score, rank and shares (after the views' parts are in)."""
    best = float(scores.max())
    features[:, COLUMN["score"]] = scores
    features[:, COLUMN["score_share"]] = scores / (best or 1)
    features[:, COLUMN["rank"]] = np.arange(len(scores))
    features[:, COLUMN["score_gap"]] = scores - best
    title = features[:, COLUMN["title_folded"]] + features[:, COLUMN["title"]]
    features[:, COLUMN["title_share"]] = title / (scores + EPSILON)
    features[:, COLUMN["pair_share"]] = features[:, COLUMN["pairs"]] / (scores + EPSILON)
    features[:, COLUMN["matched"]] = matched
