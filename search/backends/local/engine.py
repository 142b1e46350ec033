"""The local backend's :class:`search.engine.Engine`: an index folder of generations,
each a Whoosh index of stored articles beside a numpy posting store.

It follows the index folder's CURRENT pointer on every call, so a rebuild is picked
up without a restart. Threads share one generation's statistics and posting cache;
each has its own Whoosh searcher.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from search import fields, snippets
from search.analysis import segment
from search.analysis.analyzers import COMPOUND_JOINER
from search.backends.local import integrity, schema
from search.backends.local.retrieval import Retriever
from search.backends.local.storage import current_generation, read_meta
from search.cache import RecentResults
from search.errors import DamagedIndex, NoIndex, OtherVersion
from search.lexicon import suggestions
from search.lexicon.abbreviations import Abbreviations
from search.lexicon.accents import AccentVocabulary
from search.lexicon.suggestions import Suggestion, Suggestions
from search.query import corrections, keystrokes, matching, planner, proximity, ranking
from search.query.fillers import FillerWords, common_fillers
from search.results import (
    FACETS,
    Document,
    FacetBucket,
    FacetValues,
    SearchRequest,
    SearchResult,
    document_of,
    facet_values,
    faceted,
)
from search.text import fold


@dataclass
class _Generation:
    """What all threads share for one index generation."""

    path: Path
    index: Any
    abbreviations: Abbreviations
    accents: AccentVocabulary
    retriever: Retriever
    suggestions: Suggestions

    def __post_init__(self) -> None:
        store = self.retriever.store

        @functools.lru_cache(maxsize=NEIGHBOURS_CACHED)
        def neighbours(word: str) -> tuple[int, list[tuple[int, str]]]:
            return corrections.neighbours(word, lambda terms: store.frequencies(fields.BODY_FOLDED, terms))

        self.neighbours = neighbours
        self._documents: dict[int, Document] = {}  # recently shown, oldest first
        self._documents_lock = threading.Lock()
        self.fillers = common_fillers(  # the stopwords this corpus has in most documents
            self.retriever.documents,
            lambda words: store.frequencies(fields.BODY, words),
            lambda pairs: store.frequencies(fields.PAIRS, [f"{a}{COMPOUND_JOINER}{b}" for a, b in pairs]),
        )

    def document(self, docnum: int, searcher: Searcher) -> Document:
        """The stored article ``docnum`` (read with the calling thread's ``searcher``),
        remembered: results show the same articles again and again."""
        found = self._documents.get(docnum)
        if found is None:
            found = _document(searcher.reader().stored_fields(docnum))
            with self._documents_lock:
                self._documents[docnum] = found
                if len(self._documents) > DOCUMENTS_CACHED:
                    del self._documents[next(iter(self._documents))]
        return found


@dataclass
class _Opened:
    """One thread's view: its own Whoosh searcher on the shared generation."""

    generation: _Generation
    searcher: Searcher

    @property
    def abbreviations(self) -> Abbreviations:
        return self.generation.abbreviations

    @property
    def accents(self) -> AccentVocabulary:
        return self.generation.accents

    @property
    def retriever(self) -> Retriever:
        return self.generation.retriever

    @property
    def fillers(self) -> FillerWords:
        return self.generation.fillers


class _Matched(NamedTuple):
    parsed: planner.ParsedQuery
    scores: np.ndarray
    matched: np.ndarray
    partial: np.ndarray | None  # the matched documents that have only some of the words
    typos: dict[str, list[str]]
    converted: str | None  # the query read as Telex or VNI keystrokes, when it was typed so
    plan: planner.Plan  # what was evaluated (search.backends.local.features reads it)


NEIGHBOURS_CACHED = 50_000  # words whose neighbours one edit away a generation remembers
DOCUMENTS_CACHED = 4_096  # stored articles a generation keeps decoded (about 6 KB each)


def _close_all(searchers: list[Searcher], lock: threading.Lock) -> None:
    with lock:
        for searcher in searchers:
            searcher.close()
        searchers.clear()


def _facet_mask(retriever: Retriever, matched: np.ndarray, request: SearchRequest, name: str) -> np.ndarray:
    """The documents facet ``name`` counts: those matched, under the other facet's
    selection only."""
    if name == "district":
        return retriever.filtered(matched, (), tuple(str(y) for y in request.years))
    return retriever.filtered(matched, request.districts, ())


def _split_districts(value: str | None) -> list[str]:
    return [d for d in (value or "").split(fields.VALUE_SEPARATOR) if d]


class LocalEngine:
    """Search one index folder (see :mod:`search.backends.local.storage` for its layout)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._local = threading.local()
        self._shared: _Generation | None = None
        self._loading: dict[Path, Future[_Generation]] = {}  # a generation being opened
        self._followed = False  # a background thread calls prepare(): searches never open one
        self._lock = threading.Lock()
        self._searchers: list[Searcher] = []  # every thread's, so that close() reaches all
        self._recent = RecentResults()
        # One search computes at a time in a process: a search is Python and numpy on one
        # core, and several at once (a server's threads) only make them take turns at
        # the interpreter lock, each switch costing time (measured under load: BENCHMARKS)
        self._computing = threading.Lock()
        weakref.finalize(self, _close_all, self._searchers, self._lock)

    def close(self) -> None:
        """Close every open searcher (open files); the next search opens them again."""
        _close_all(self._searchers, self._lock)
        self._local = threading.local()

    # -- opening ---------------------------------------------------------------
    def _load(self, path: Path) -> _Generation:
        """Open a generation's shared state (seconds on a large index)."""
        if not schema.readable(path):
            version = read_meta(path).get("schema_version")
            raise OtherVersion(
                f"the index in {self.index_dir} was built by another version of vnsearch "
                f"(schema {version}, this one reads {schema.SCHEMA_VERSION}); "
                "rebuild it with: vnsearch index"
            )
        damaged = integrity.damage(path)
        if damaged:
            raise DamagedIndex(
                f"the index in {self.index_dir} is damaged ({'; '.join(damaged[:3])}); "
                "`vnsearch check` says more; rebuild it with: vnsearch index"
            )
        index = whoosh_index.open_dir(str(path))
        with index.searcher() as searcher:
            retriever = Retriever(searcher, path, ranking.K1, ranking.B)
        abbreviations, accents = Abbreviations.load(path), AccentVocabulary.load(path)
        return _Generation(path, index, abbreviations, accents, retriever, suggestions.load(path))

    def _open(self, path: Path, loading: Future[_Generation]) -> None:
        try:
            generation = self._load(path)
        except BaseException as error:  # whoever waits for it sees it
            loading.set_exception(error)
            return
        with self._lock:
            self._shared = generation
        loading.set_result(generation)

    def _generation(self, path: Path, wait: bool = False) -> _Generation:
        """The shared state of generation ``path``. The thread that first needs a new
        generation opens it (or, when :meth:`follow_in_background` was called, the
        thread that calls :meth:`prepare`), outside the lock that searches take;
        meanwhile the other threads keep answering from the previous generation (they
        wait only when there is none, or with ``wait``). A new generation that cannot be
        opened does not stop them either."""
        with self._lock:
            shared = self._shared
            if shared is not None and shared.path == path:
                return shared
            if self._followed and not wait and shared is not None and shared.path.is_dir():
                return shared
            loading = self._loading.get(path)
            mine = loading is None
            if loading is None:
                loading = self._loading[path] = Future()
            for other in [p for p in self._loading if p != path]:
                del self._loading[other]
        if mine:
            self._open(path, loading)
            return loading.result()
        pending_or_broken = not loading.done() or loading.exception() is not None
        if shared is not None and not wait and shared.path.is_dir() and pending_or_broken:
            return shared
        return loading.result()

    def _current(self) -> _Generation:
        """The shared state of the generation CURRENT names (or of the one before it,
        while that one opens)."""
        path = current_generation(self.index_dir)
        if path is None:
            raise NoIndex(f"no index in {self.index_dir}; build one with: vnsearch index")
        return self._generation(path)

    def _opened(self) -> _Opened:
        generation = self._current()
        opened: _Opened | None = getattr(self._local, "opened", None)
        if opened is None or opened.generation is not generation or opened.searcher.is_closed:
            searcher = generation.index.searcher()
            with self._lock:
                if opened is not None:
                    opened.searcher.close()
                    if opened.searcher in self._searchers:  # close() may have cleared it
                        self._searchers.remove(opened.searcher)
                self._searchers.append(searcher)
            opened = _Opened(generation, searcher)
            self._local.opened = opened
        return opened

    def exists(self) -> bool:
        return current_generation(self.index_dir) is not None

    def follow_in_background(self) -> None:
        """Say that a thread calls :meth:`prepare` every so often (a server does): a new
        generation is then opened by that thread alone, and searches keep
        answering from the previous one until it is ready."""
        self._followed = True

    def prepare(self) -> bool:
        """Load the current generation's shared state now (document statistics, facets,
        the segmenter), so that the first searches after a start or a rebuild do not
        wait for it; False when there is no index yet. Cheap when nothing changed."""
        path = current_generation(self.index_dir)
        if path is None:
            return False
        segment.load_model()
        self._generation(path, wait=True)
        return True

    def info(self) -> dict[str, Any]:
        """What /healthz reports: the serving generation and its size."""
        generation = current_generation(self.index_dir)
        if generation is None:
            return {"status": "no index", "documents": 0}
        meta = read_meta(generation)
        return {
            "status": "ok",
            "documents": self._opened().searcher.doc_count(),
            "generation": generation.name,
            "built_at": meta.get("built_at"),
        }

    # -- searching -------------------------------------------------------------
    @staticmethod
    def _facet_counts(
        retriever: Retriever, matched: np.ndarray, request: SearchRequest, names: tuple[str, ...]
    ) -> dict[str, dict[str, int]]:
        """Facet counts. Values of one facet combine with OR, facets with AND, so the
        counts of a facet are taken without its own selection (the other values stay
        reachable) but with the other facet's."""
        return {
            name: retriever.facets[name].counts(_facet_mask(retriever, matched, request, name))
            for name in names
        }

    @staticmethod
    def _shown_facets(
        retriever: Retriever, matched: np.ndarray, request: SearchRequest
    ) -> tuple[dict[str, list[FacetBucket]], dict[str, int]]:
        """The facets a search shows (as :meth:`_facet_counts` counts them): the most
        frequent values and the selected ones, and how many values each facet has."""
        selected = {"district": request.districts, "year": tuple(str(y) for y in request.years)}
        counts, distinct = {}, {}
        for name in FACETS:
            mask = _facet_mask(retriever, matched, request, name)
            counts[name], distinct[name] = retriever.facets[name].top(
                mask, request.facet_size, selected[name]
            )
        return faceted(counts, request, distinct)

    @staticmethod
    def _matched(opened: _Opened, query_text: str, prefix: bool = False) -> _Matched:
        """The parsed query, every document's score, which documents match, the
        typos the query may hold, and the plan evaluated."""
        store = opened.retriever.store
        typed = keystrokes.convert(query_text, lambda syllable: store.frequency(fields.BODY, syllable) > 0)
        parsed = planner.parse(typed or query_text)

        def pair_frequencies(pairs: list[tuple[str, str]]) -> list[int]:
            return store.frequencies(fields.PAIRS, [f"{a}{COMPOUND_JOINER}{b}" for a, b in pairs])

        typos = corrections.corrections(parsed.terms, opened.generation.neighbours, pair_frequencies)
        completions = []
        if prefix and parsed.terms:
            last = fold(parsed.terms[-1])
            before = fold(parsed.terms[-2]) if len(parsed.terms) > 1 else ""
            found = [s for s in opened.accents.syllables_starting(last) if s != last]
            candidates = list(zip(store.frequencies(fields.BODY_FOLDED, found), found, strict=True))
            limit = planner.MAX_COMPLETIONS
            completions = corrections.by_use(candidates, before, "", pair_frequencies, limit)
        plan = planner.plan(parsed, opened.abbreviations, typos, completions, opened.fillers)
        scores, matched, partial = opened.retriever.evaluate(opened.searcher, plan)
        return _Matched(parsed, scores, matched, partial, typos, typed, plan)

    @staticmethod
    def _ranked(
        opened: _Opened, found: _Matched, candidates: np.ndarray, start: int, stop: int
    ) -> np.ndarray:
        """Document numbers ``start:stop`` of the ranking of ``candidates``: the first
        stage's order (partial answers after the others, ties by id), its best
        :data:`proximity.DEPTH` reordered by proximity, their bonus added to
        ``found.scores`` (see :mod:`search.query.proximity`)."""
        retriever = opened.retriever
        keys = matching.tiered(found.scores, found.partial)
        if start >= proximity.DEPTH:  # past the reordered ones: the first stage's order
            return retriever.top(candidates, keys, start, stop)
        ranked = retriever.top(candidates, keys, 0, max(stop, proximity.DEPTH))
        scoring = proximity.proximity(
            found.plan,
            lambda term: retriever.postings(fields.BODY_FOLDED, term).frequency,
            retriever.documents,
        )
        if scoring is None:
            return ranked[start:stop]
        best = ranked[: proximity.DEPTH]
        proximity.rerank(found.scores, best, retriever.passages(scoring, best))
        keys = matching.tiered(found.scores, found.partial)  # partial answers still after the others
        order = np.lexsort((retriever.id_rank[best], -keys[best]))
        return np.concatenate([best[order], ranked[proximity.DEPTH :]])[start:stop]

    def search(self, request: SearchRequest) -> SearchResult:
        """Ranked, highlighted, faceted results for one request (a request answered
        lately on the same generation from memory)."""
        opened = self._opened()
        return self._recent.answer(
            opened.generation.path, request, lambda: self._search_alone(opened, request)
        )

    def _search_alone(self, opened: _Opened, request: SearchRequest) -> SearchResult:
        with self._computing:
            return self._search(opened, request)

    def _search(self, opened: _Opened, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        retriever = opened.retriever
        found = self._matched(opened, request.query, request.prefix)
        parsed, scores, matched, partial, typos, converted, _plan = found
        selected = retriever.filtered(matched, request.districts, tuple(str(y) for y in request.years))
        candidates = np.flatnonzero(selected)
        ranked = request.sort == "relevance" and not parsed.is_empty
        first = (request.page - 1) * request.per_page
        if ranked:
            docnums = self._ranked(opened, found, candidates, first, first + request.per_page)
        else:
            keys = matching.tiered(retriever.sort_date, partial)
            docnums = retriever.top(candidates, keys, first, first + request.per_page)
        marks = planner.marks(parsed, opened.abbreviations, typos, opened.fillers)
        hits = [
            snippets.hit(
                opened.generation.document(int(d), opened.searcher),
                float(scores[d]) if ranked else None,
                marks,
            )
            for d in docnums
        ]
        facets, distinct = self._shown_facets(retriever, matched, request)
        return SearchResult(
            request=request,
            total=len(candidates),
            partial=0 if partial is None else int(np.count_nonzero(partial & selected)),
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets,
            facet_values=distinct,
            suggestion=planner.suggestion(request.query, converted, parsed, typos, opened.accents),
        )

    def facet(self, request: SearchRequest, name: str, facet_query: str) -> FacetValues:
        """One facet's values under the search ``request`` that contain ``facet_query``
        (accent-insensitive), the most frequent first, at most ``request.facet_size``."""
        opened = self._opened()
        with self._computing:
            matched = self._matched(opened, request.query, request.prefix).matched
            counts = self._facet_counts(opened.retriever, matched, request, (name,))[name]
        return facet_values(name, counts, request, facet_query)

    def suggest(self, typed: str, limit: int) -> list[Suggestion]:
        """Completions of what was typed so far (see :mod:`search.lexicon.suggestions`)."""
        return self._current().suggestions.complete(typed, limit)

    def rank(self, query_text: str, limit: int) -> list[tuple[str, float]]:
        """Just the ranking: (id, score) of the best ``limit`` documents, no snippets."""
        opened = self._opened()
        found = self._matched(opened, query_text)
        docnums = self._ranked(opened, found, np.flatnonzero(found.matched), 0, limit)
        scores = found.scores
        stored = opened.searcher.reader().stored_fields
        return [(stored(int(d))[fields.ID_FIELD], float(scores[d])) for d in docnums]

    # -- documents -------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        stored = self._opened().searcher.document(**{fields.ID_FIELD: doc_id})
        return _document(stored) if stored else None

    def stored_texts(self) -> Iterator[tuple[str, str]]:
        """(id, title and text) of every document, in index order (for baselines)."""
        for stored in self._opened().searcher.documents():
            yield stored[fields.ID_FIELD], f"{stored.get(fields.TITLE, '')}\n{stored.get(fields.BODY, '')}"

    def highlighted(self, document: Document, query_text: str) -> tuple[str, str]:
        """The article's title and text as escaped HTML, the query's words marked."""
        opened = self._opened()
        return planner.mark_document(document, query_text, opened.abbreviations, opened.fillers)


def _document(stored: dict[str, Any]) -> Document:
    return document_of(stored, _split_districts(stored.get(fields.DISTRICT)))
