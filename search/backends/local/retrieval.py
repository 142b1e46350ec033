"""Answering a :class:`~search.query.Plan` with array arithmetic over posting lists.

Whoosh's own matchers walk every posting of every term through a tree of Python
objects; a 15-syllable question over common syllables takes seconds that way. Here
each term's posting list is read from the generation's posting store
(:mod:`search.backends.local.postings`: a binary search and two reads) and turned into BM25 weights
once (and cached), and scoring, matching, filters, facet counts and top-k selection
are vector operations over all documents at once. Whoosh holds the stored articles,
facets and dates.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from whoosh.searching import Searcher

from search import fields
from search.analysis.analyzers import COMPOUND_JOINER
from search.analysis.views import FOLDED, SOURCE_FIELD, has_phrase, phrase_pattern, quantised_all
from search.backends.local.postings import PostingStore
from search.config import posting_cache_bytes
from search.query import matching, ranking
from search.query.planner import Condition, Phrase, Plan, TermRef
from search.query.proximity import Proximity
from search.text import fold

# A term that at least this share of the documents have is kept as a dense array of its
# BM25 in every document (0 where absent): no larger than its sparse form (8 + 4 bytes a
# posting), and added to the scores in one pass instead of a scatter (a long question's
# common syllables are most of its postings: "đã", "thành", "đi" at 185k).
DENSE_SHARE = 1 / 3


class Postings(NamedTuple):
    """A term's documents and its BM25 in each: ``ids`` ascending (as np.intp: numpy
    converts any other index type on every use, which made scattering a list into the
    scores 2-3 times slower) with ``weights`` aligned, or, for a common term, ``ids``
    None and ``weights`` of every document, 0 where it is absent (a BM25 of a present
    term is never 0: Lucene's IDF is positive)."""

    ids: np.ndarray | None
    weights: np.ndarray
    frequency: int  # documents that have the term
    has: np.ndarray | None = None  # a dense term's mask of the documents that have it

    @classmethod
    def dense(cls, weights: np.ndarray, frequency: int) -> Postings:
        return cls(None, weights, frequency, weights > 0)

    @property
    def nbytes(self) -> int:
        extra = self.has if self.ids is None else self.ids
        return self.weights.nbytes + (0 if extra is None else extra.nbytes)

    def present(self) -> np.ndarray:
        """What :meth:`Retriever._add_bm25` gives matching: the document numbers, or,
        for a dense term, a mask of the documents that have it."""
        if self.ids is None:
            assert self.has is not None, "a dense list is made by Postings.dense"
            return self.has
        return self.ids

    def mark(self, mask: np.ndarray) -> None:
        """Set ``mask`` where a document has the term."""
        matching.mark(mask, self.present())

    def add_to(self, scores: np.ndarray, boost: float) -> None:
        """Add ``boost`` times the term's BM25 to ``scores`` (the same sums, bit for bit,
        in either form: adding 0 changes no score; a boost of 1 multiplies nothing)."""
        weights = self.weights if boost == 1.0 else boost * self.weights
        if self.ids is None:
            scores += weights
        elif len(self.ids):
            np.add.at(scores, self.ids, weights)  # faster than scores[ids] += ...


class PostingCache:
    """Posting lists as arrays, least recently used dropped past ``limit`` bytes."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = posting_cache_bytes() if limit is None else limit
        self.size = 0
        self._items: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Postings | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], value: Postings) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.size += value.nbytes
            while self.size > self.limit and len(self._items) > 1:
                _key, dropped = self._items.popitem(last=False)
                self.size -= dropped.nbytes


class Facet:
    """A facet's values and which documents have them (a document may have several)."""

    def __init__(self, values: list[str], documents: np.ndarray, value_index: np.ndarray) -> None:
        # the (document, value) pairs in document order: counting reads the mask in order
        order = np.argsort(documents, kind="stable")
        self.values = values
        self.documents = documents[order]  # document numbers, one a (document, value) pair
        self.value_index = value_index[order].astype(np.intp)  # position in ``values``
        # the same pairs value by value, and where each value's run starts (values that
        # have documents only): counting sums each run of the mask read in this order
        by_value = np.argsort(self.value_index, kind="stable")
        self._documents_by_value = self.documents[by_value]
        self._counted, self._run_starts = np.unique(self.value_index[by_value], return_index=True)

    def _counts(self, mask: np.ndarray) -> np.ndarray:
        """How many of ``mask``'s documents have each value: the sum of each value's run
        of the mask (twice as fast as a count weighted by it)."""
        counts = np.zeros(len(self.values), dtype=np.int64)
        if len(self._run_starts):
            picked = mask[self._documents_by_value].view(np.uint8)
            counts[self._counted] = np.add.reduceat(picked, self._run_starts, dtype=np.int64)
        return counts

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        counts = self._counts(mask)
        return {self.values[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def top(self, mask: np.ndarray, size: int, selected: Iterable[str]) -> tuple[dict[str, int], int]:
        """The counts of the ``size`` most frequent values among ``mask``'s documents
        (ties by value) and of the ``selected`` ones, and how many values occur: what a
        search shows, without a dictionary of every value (a district facet has
        hundreds)."""
        counts = self._counts(mask)
        present = np.flatnonzero(counts)
        if len(present) > size:  # the values are in name order, so the stable sort breaks ties by name
            present = present[np.argsort(-counts[present], kind="stable")[:size]]
        shown = {self.values[i]: int(counts[i]) for i in present}
        for value in selected:
            if value not in shown:
                position = bisect.bisect_left(self.values, value)
                found = position < len(self.values) and self.values[position] == value
                shown[value] = int(counts[position]) if found else 0
        return shown, int(np.count_nonzero(counts))

    def mask(self, selected: Iterable[str], size: int) -> np.ndarray:
        wanted = np.isin(self.value_index, [i for i, v in enumerate(self.values) if v in set(selected)])
        result = np.zeros(size, dtype=bool)
        result[self.documents[wanted]] = True
        return result


def _id_ranks(reader: Any, size: int) -> np.ndarray:
    """Each document's place in the order of ids: the tie-breaker of every sort, the
    same after an update as after a rebuild, and the same on the Typesense backend."""
    ids = reader.column_reader(fields.ID_FIELD)
    order = np.argsort(np.array([ids[i] for i in range(size)], dtype=object), kind="stable")
    ranks = np.empty(size, dtype=np.int64)
    ranks[order] = np.arange(size)
    return ranks


class Retriever:
    """Per index generation: document statistics, facets and cached postings."""

    def __init__(self, searcher: Searcher, folder: Path, k1: float, b: float) -> None:
        reader = searcher.reader()
        self.k1, self.b = k1, b
        self.size = reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        if reader.has_deletions():
            self.live[:] = False
            self.live[list(reader.all_doc_ids())] = True
        self.documents = int(self.live.sum())
        self.store = PostingStore(folder, self.size)
        self._lengths: dict[str, np.ndarray] = {}
        self._average: dict[str, float] = {}
        self._norms: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.cache = PostingCache()
        self.facets = {
            "district": self._facet(reader, fields.DISTRICT),
            "year": self._facet(reader, fields.YEAR),
        }
        dates = reader.column_reader(fields.SORT_DATE, translate=True)
        self.sort_date = np.fromiter(
            (dates[i] or 0 for i in range(self.size)), dtype=np.int64, count=self.size
        )
        self.id_rank = _id_ranks(reader, self.size)

    def _facet(self, reader: Any, name: str) -> Facet:
        values: list[str] = []
        documents: list[np.ndarray] = []
        for term in reader.lexicon(name):
            ids = np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int64)
            documents.append(ids)
            values.append(term.decode("utf-8"))
        if not documents:
            return Facet([], np.zeros(0, np.int64), np.zeros(0, np.int64))
        index = np.concatenate([np.full(len(ids), i, dtype=np.int64) for i, ids in enumerate(documents)])
        return Facet(values, np.concatenate(documents), index)

    # -- statistics and postings -------------------------------------------------------
    def _view_lengths(self, view: str) -> tuple[np.ndarray, float]:
        with self._lock:
            if view not in self._lengths:
                lengths = quantised_all(self.store.lengths(view))
                self._lengths[view] = lengths
                self._average[view] = float(lengths[self.live].mean()) if self.documents else 1.0
            return self._lengths[view], self._average[view] or 1.0

    def _length_norms(self, view: str) -> np.ndarray:
        """:func:`ranking.length_norms` of every document's ``view`` (computed once)."""
        norms = self._norms.get(view)
        if norms is None:
            lengths, average = self._view_lengths(view)
            norms = self._norms[view] = ranking.length_norms(lengths, average, self.k1, self.b)
        return norms

    def postings(self, view: str, text: str) -> Postings:
        """The live documents that have the term, and its BM25 in each of them (computed
        once: within a generation, nothing it depends on changes). Deleted documents are
        left out before anything is counted, so that scores after an update are those of
        a rebuild of the same articles. A term most documents have comes dense (see
        :class:`Postings`)."""
        key = (view, text)
        found = self.cache.get(key)
        if found is not None:
            return found
        ids, tfs = self.store.read(view, text)
        if self.documents < self.size:  # an update deleted some: they count for nothing
            alive = self.live[ids]
            ids, tfs = ids[alive], tfs[alive]
        if len(ids):
            term_idf = ranking.idf(len(ids), self.documents)
            norms = self._length_norms(view)[ids]
            weights = ranking.bm25_normed(term_idf, tfs, norms, self.k1).astype(np.float32, copy=False)
        else:
            weights = np.zeros(0, np.float32)
        if len(ids) and len(ids) >= DENSE_SHARE * self.size:
            dense = np.zeros(self.size, np.float32)
            dense[ids] = weights
            found = Postings.dense(dense, len(ids))
        else:
            found = Postings(ids, weights, len(ids))
        self.cache.put(key, found)
        return found

    def passages(self, found: Proximity, documents: np.ndarray) -> np.ndarray:
        """:meth:`Proximity.shares` of ``documents``, read from the syllable sequences
        the store keeps (no text is read or analysed)."""
        codes = self.store.sequence_terms(found.terms)
        order = np.argsort(codes)
        sequences = [self.store.sequence(int(d)) for d in documents]
        starts = np.cumsum([0] + [len(s) for s in sequences])
        joined = np.concatenate(sequences) if sequences else np.zeros(0, codes.dtype)
        hits = np.flatnonzero(np.isin(joined, codes))
        document = np.searchsorted(starts, hits, side="right") - 1
        term = order[np.searchsorted(codes[order], joined[hits])]
        return found.shares(len(documents), document, hits - starts[document], term)

    def _add_bm25(self, ref: TermRef, scores: np.ndarray) -> np.ndarray:
        """Add the term's BM25 to ``scores``; return the documents that contain it
        (numbers, or a mask for a dense term)."""
        found = self.postings(ref.field, ref.text)
        found.add_to(scores, ref.boost)
        return found.present()

    # -- answering ---------------------------------------------------------------------
    def _documents_of(self, searcher: Searcher, condition: Condition) -> np.ndarray:
        """The documents a phrase or exclusion names (see :data:`search.query.Condition`)."""
        mask = np.zeros(self.size, dtype=bool)
        if isinstance(condition, list):
            for ref in condition:
                self.postings(ref.field, ref.text).mark(mask)
            return mask
        words = list(condition.words)
        pattern = phrase_pattern(words)
        for doc in self._phrase_candidates(condition):
            stored = searcher.reader().stored_fields(int(doc))
            mask[doc] = any(
                has_phrase(view, stored.get(SOURCE_FIELD[view], ""), words, pattern)
                for view in condition.fields
            )
        return mask

    def _phrase_candidates(self, phrase: Phrase) -> np.ndarray:
        """Live documents that have every pair of the phrase's adjacent syllables (and,
        for an accented phrase, each of its syllables as written): the phrase's text is
        checked in these only."""
        candidates = self.live.copy()
        folded = [fold(word) for word in phrase.words]
        for pair in pairwise(folded):
            has = np.zeros(self.size, dtype=bool)
            self.postings(fields.PAIRS, COMPOUND_JOINER.join(pair)).mark(has)
            candidates &= has
        if not FOLDED.issuperset(phrase.fields):
            for word in phrase.words:
                has = np.zeros(self.size, dtype=bool)
                for view in phrase.fields:
                    self.postings(view, word).mark(has)
                candidates &= has
        return np.flatnonzero(candidates)

    def evaluate(self, searcher: Searcher, plan: Plan) -> matching.Evaluation:
        """Scores of every document, and which documents match the plan."""
        return matching.evaluate(
            plan,
            self.size,
            self._add_bm25,
            lambda condition: self._documents_of(searcher, condition),
            self.live,
        )

    def filtered(self, mask: np.ndarray, districts: tuple[str, ...], years: tuple[str, ...]) -> np.ndarray:
        """The documents of ``mask`` in any of ``districts`` and any of ``years`` (an
        empty selection keeps all); ``mask`` itself, not a copy, when nothing is selected."""
        if districts:
            mask = mask & self.facets["district"].mask(districts, self.size)
        if years:
            mask = mask & self.facets["year"].mask(years, self.size)
        return mask

    def top(self, candidates: np.ndarray, keys: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Document numbers ``start:stop`` of ``candidates`` by descending ``keys``, ties
        by id (see :func:`top`)."""
        return top(candidates, keys, self.id_rank, start, stop)


SAMPLE_EVERY = 16  # top(): the floor is taken from every 16th candidate


def top(candidates: np.ndarray, keys: np.ndarray, id_rank: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Document numbers ``start:stop`` of ``candidates`` by descending ``keys``, ties by
    ``id_rank``: one total order, so that pages neither repeat nor skip a document, and an
    update orders them as a rebuild would. Selects before sorting.

    Many candidates (a common word at 185k: most documents) are first narrowed to those
    at or above a floor, the ``stop``-th largest key of every :data:`SAMPLE_EVERY`-th
    candidate: at least ``stop`` candidates reach it, so every one of the first ``stop``,
    and every one tied with the last of them, does. The answer is the same; the
    partition runs over a few hundred keys instead of all of them."""
    if stop <= 0 or len(candidates) == 0:
        return candidates[:0]
    values = keys[candidates]
    if stop * SAMPLE_EVERY * 4 < len(candidates):
        sample = values[::SAMPLE_EVERY]
        floor = np.partition(sample, len(sample) - stop)[len(sample) - stop]
        kept = values >= floor
        candidates, values = candidates[kept], values[kept]
    if stop < len(candidates):
        threshold = np.partition(values, len(values) - stop)[len(values) - stop]
        above = values > threshold
        at = np.flatnonzero(values == threshold)  # of these, the first ids fill the page
        at = at[np.argsort(id_rank[candidates[at]], kind="stable")[: stop - int(above.sum())]]
        above[at] = True
        candidates, values = candidates[above], values[above]
    order = np.lexsort((id_rank[candidates], -values))
    return candidates[order][start:stop]
