"""Answering a :class:`~search.query.Plan` with array arithmetic over Whoosh's postings.

Whoosh's own matchers walk every posting of every term through a tree of Python
objects; a 15-syllable question over common syllables takes seconds that way. Here
each term's posting list is read once (and cached), and scoring, matching, filters,
facet counts and top-k selection are vector operations over all documents at once.
Whoosh still stores everything and answers what needs positions (phrases of three
syllables or more).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from search import matching, ranking
from search import schema as f
from search.query import Condition, Plan, TermRef

# Document numbers (as np.intp: numpy converts any other index type on every use, which
# made scattering a list into the scores 2-3 times slower), BM25 of the term in each.
Postings = tuple[np.ndarray, np.ndarray]
CACHE_BYTES = 192 * 2**20
WARM_TERMS_PER_FIELD = 400


def _read_postings(matcher: Any) -> Postings:
    """Document numbers and term frequencies of one posting list. A posting's weight
    is its term frequency (no field or document boosts are used), so the stored
    values (positions) are never decoded."""
    ids: list[int] = []
    tfs: list[float] = []
    add_id, add_tf = ids.append, tfs.append
    number, weight, advance, active = matcher.id, matcher.weight, matcher.next, matcher.is_active
    while active():
        add_id(number())
        add_tf(weight())
        advance()
    return np.array(ids, dtype=np.intp), np.array(tfs, dtype=np.float32)


class PostingCache:
    """Posting lists as arrays, least recently used dropped past ``limit`` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
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
            self.size += value[0].nbytes + value[1].nbytes
            while self.size > self.limit and len(self._items) > 1:
                _key, (ids, weights) = self._items.popitem(last=False)
                self.size -= ids.nbytes + weights.nbytes


@dataclass
class Facet:
    """A facet's values and which documents have them (a document may have several)."""

    values: list[str]
    documents: np.ndarray  # document numbers
    value_index: np.ndarray  # position in ``values``, aligned with ``documents``

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        chosen = mask[self.documents]
        counts = np.bincount(self.value_index[chosen], minlength=len(self.values))
        return {self.values[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def mask(self, selected: Iterable[str], size: int) -> np.ndarray:
        wanted = np.isin(self.value_index, [i for i, v in enumerate(self.values) if v in set(selected)])
        result = np.zeros(size, dtype=bool)
        result[self.documents[wanted]] = True
        return result


class Retriever:
    """Per index generation: document statistics, facets and cached postings."""

    def __init__(self, searcher: Searcher, k1: float, b: float) -> None:
        reader = searcher.reader()
        self.k1, self.b = k1, b
        self.size = reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        if reader.has_deletions():
            self.live[:] = False
            self.live[list(reader.all_doc_ids())] = True
        self.documents = int(self.live.sum())
        self._lengths: dict[str, np.ndarray] = {}
        self._average: dict[str, float] = {}
        self._lock = threading.Lock()
        self.cache = PostingCache()
        self.facets = {"district": self._facet(reader, f.DISTRICT), "year": self._facet(reader, f.YEAR)}
        dates = reader.column_reader(f.SORT_DATE, translate=False)
        self.sort_date = np.fromiter(
            (dates[i] or 0 for i in range(self.size)), dtype=np.int64, count=self.size
        )

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
    def _field_lengths(self, searcher: Searcher, field: str) -> tuple[np.ndarray, float]:
        with self._lock:
            if field not in self._lengths:
                reader = searcher.reader()
                lengths = np.fromiter(
                    (reader.doc_field_length(i, field, 0) for i in range(self.size)),
                    dtype=np.float32,
                    count=self.size,
                )
                # Whoosh answers NaN for a document whose field is empty.
                lengths = np.nan_to_num(lengths, nan=0.0)
                self._lengths[field] = lengths
                self._average[field] = float(lengths[self.live].mean()) if self.documents else 1.0
            return self._lengths[field], self._average[field] or 1.0

    def postings(self, searcher: Searcher, field: str, text: str) -> Postings:
        """The documents that have the term, and its BM25 in each of them (computed once:
        within a generation, nothing it depends on changes)."""
        key = (field, text)
        found = self.cache.get(key)
        if found is not None:
            return found
        parts: list[Postings] = []
        for leaf, offset in searcher.reader().leaf_readers():  # per segment: fewer wrappers
            try:  # one term lookup, not two ("in" and then "postings")
                ids, tfs = _read_postings(leaf.postings(field, text))
            except TermNotFound:
                continue
            parts.append((ids + offset, tfs))
        if parts:
            ids = np.concatenate([ids for ids, _ in parts])
            tfs = np.concatenate([tfs for _, tfs in parts])
            lengths, average = self._field_lengths(searcher, field)
            term_idf = ranking.idf(len(ids), self.documents)
            weights = ranking.bm25(term_idf, tfs, lengths[ids], average, self.k1, self.b).astype(np.float32)
        else:
            ids, weights = np.zeros(0, np.intp), np.zeros(0, np.float32)
        self.cache.put(key, (ids, weights))
        return ids, weights

    def warm(self, searcher: Searcher, fields: Iterable[str], budget: int) -> int:
        """Read the posting lists of the most frequent terms of ``fields`` into the cache,
        up to ``budget`` bytes, so that no reader waits for the longest lists (a common
        syllable of 185k articles is ~0.4 s to read). Returns the terms read."""
        reader = searcher.reader()
        fields = list(fields)
        terms: list[tuple[int, str, str]] = []
        for field in fields:
            for _, term in reader.most_frequent_terms(field, WARM_TERMS_PER_FIELD):
                terms.append((-reader.doc_frequency(field, term), field, term.decode("utf-8")))
        read = 0
        for _, field, text in sorted(terms):
            if self.cache.size >= min(budget, self.cache.limit):
                break
            self.postings(searcher, field, text)
            read += 1
        return read

    def _add_bm25(self, searcher: Searcher, ref: TermRef, scores: np.ndarray) -> np.ndarray:
        """Add the term's BM25 to ``scores``; return the documents that contain it."""
        ids, weights = self.postings(searcher, ref.field, ref.text)
        if len(ids):
            np.add.at(scores, ids, ref.boost * weights)  # faster than scores[ids] += ...
        return ids

    # -- answering ---------------------------------------------------------------------
    def _documents_of(self, searcher: Searcher, condition: Condition) -> np.ndarray:
        """The documents a phrase or exclusion names (see :data:`search.query.Condition`)."""
        mask = np.zeros(self.size, dtype=bool)
        if isinstance(condition, list):
            for ref in condition:
                mask[self.postings(searcher, ref.field, ref.text)[0]] = True
            return mask
        ids = list(searcher.docs_for_query(condition))
        if ids:
            mask[ids] = True
        return mask

    def evaluate(self, searcher: Searcher, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every document, and which documents match the plan."""
        return matching.evaluate(
            plan,
            self.size,
            lambda ref, scores: self._add_bm25(searcher, ref, scores),
            lambda condition: self._documents_of(searcher, condition),
            self.live,
        )

    def filter_mask(self, districts: tuple[str, ...], years: tuple[str, ...]) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if districts:
            mask &= self.facets["district"].mask(districts, self.size)
        if years:
            mask &= self.facets["year"].mask(years, self.size)
        return mask

    @staticmethod
    def top(candidates: np.ndarray, keys: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Document numbers ``start:stop`` of ``candidates`` by descending ``keys``
        (ties by document number), selecting before sorting."""
        if stop <= 0 or len(candidates) == 0:
            return candidates[:0]
        values = keys[candidates]
        if stop < len(candidates):
            keep = np.argpartition(-values, stop - 1)[:stop]
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))
        return candidates[order][start:stop]
