"""The engine facade: the one door the web UI, the CLI and other programs use.

>>> engine = SearchEngine(Path("index"))
>>> result = engine.search(SearchRequest(query="chuong my"))
>>> result.to_json()["hits"][0]["title"]

It follows the index folder's CURRENT pointer on every call, so a rebuild is picked
up without a restart. Threads share one generation's statistics and posting cache;
each has its own Whoosh searcher.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from search import highlight, ranking, segment
from search import query as q
from search import schema as f
from search.abbreviations import Abbreviations
from search.backends import backend_name
from search.results import Document, FacetBucket, Hit, SearchRequest, SearchResult, facet_buckets
from search.retrieval import Retriever
from search.storage import NoIndex, current_generation, read_meta

__all__ = ["NoIndex", "SearchEngine"]
from search.suggest import AccentVocabulary


@dataclass
class _Generation:
    """What all threads share for one index generation."""

    path: Path
    index: Any
    abbreviations: Abbreviations
    accents: AccentVocabulary
    retriever: Retriever


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


def _close_all(searchers: list[Searcher], lock: threading.Lock) -> None:
    with lock:
        for searcher in searchers:
            searcher.close()
        searchers.clear()


def _split_districts(value: str | None) -> list[str]:
    return [d for d in (value or "").split(",") if d]


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class SearchEngine:
    """Search one index folder (see :mod:`search.storage` for its layout).

    With ``VNSEARCH_BACKEND=typesense`` the constructor returns the Typesense engine
    instead (:mod:`search.typesense_backend`), which has the same methods."""

    def __new__(cls, index_dir: Path) -> Any:
        if cls is SearchEngine and backend_name() == "typesense":
            from search.typesense_backend.engine import TypesenseEngine

            return TypesenseEngine(index_dir)
        return super().__new__(cls)

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._local = threading.local()
        self._shared: _Generation | None = None
        self._lock = threading.Lock()
        self._searchers: list[Searcher] = []  # every thread's, so that close() reaches all
        weakref.finalize(self, _close_all, self._searchers, self._lock)

    def close(self) -> None:
        """Close every open searcher (open files); the next search opens them again."""
        _close_all(self._searchers, self._lock)
        self._local = threading.local()

    # -- opening ---------------------------------------------------------------
    def _generation(self, path: Path) -> _Generation:
        with self._lock:
            if self._shared is None or self._shared.path != path:
                if not f.readable(path):
                    version = read_meta(path).get("schema_version")
                    raise NoIndex(
                        f"the index in {self.index_dir} was built by another version of vnsearch "
                        f"(schema {version}, this one reads {f.SCHEMA_VERSION}); "
                        "rebuild it with: vnsearch index"
                    )
                index = whoosh_index.open_dir(str(path))
                with index.searcher() as searcher:
                    retriever = Retriever(searcher, path, ranking.K1, ranking.B)
                self._shared = _Generation(
                    path, index, Abbreviations.load(path), AccentVocabulary.load(path), retriever
                )
            return self._shared

    def _opened(self) -> _Opened:
        path = current_generation(self.index_dir)
        if path is None:
            raise NoIndex(f"no index in {self.index_dir}; build one with: vnsearch index")
        opened: _Opened | None = getattr(self._local, "opened", None)
        if opened is None or opened.generation.path != path or opened.searcher.is_closed:
            generation = self._generation(path)
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

    def prepare(self) -> bool:
        """Load the current generation's shared state now (document statistics, facets,
        the segmenter), so that the first searches after a start or a rebuild do not
        wait for it; False when there is no index yet. Cheap when nothing changed."""
        path = current_generation(self.index_dir)
        if path is None:
            return False
        segment.load_model()
        self._generation(path)
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
    def _facets(
        retriever: Retriever, matched: np.ndarray, request: SearchRequest
    ) -> dict[str, list[FacetBucket]]:
        """Facet counts. Values of one facet combine with OR, facets with AND, so the
        counts of a facet are taken without its own selection (the other values stay
        reachable) but with the other facet's."""
        districts, years = request.districts, tuple(str(y) for y in request.years)
        selected = {"district": set(districts), "year": set(years)}
        within = {
            "district": matched & retriever.filter_mask((), years),
            "year": matched & retriever.filter_mask(districts, ()),
        }
        facets: dict[str, list[FacetBucket]] = {}
        for name, facet in retriever.facets.items():
            facets[name] = facet_buckets(name, facet.counts(within[name]), selected[name])
        return facets

    def search(self, request: SearchRequest) -> SearchResult:
        """Ranked, highlighted, faceted results for one request."""
        started = time.perf_counter()
        opened = self._opened()
        retriever = opened.retriever
        parsed = q.parse(request.query)
        plan = q.plan(parsed, opened.abbreviations)
        scores, matched = retriever.evaluate(opened.searcher, plan)
        selected = matched & retriever.filter_mask(request.districts, tuple(str(y) for y in request.years))
        candidates = np.flatnonzero(selected)
        ranked = request.sort == "relevance" and not parsed.is_empty
        keys = scores if ranked else retriever.sort_date
        first = (request.page - 1) * request.per_page
        docnums = retriever.top(candidates, keys, first, first + request.per_page)
        marks = q.marks(parsed, opened.abbreviations)
        hits = [
            self._hit(opened.searcher, int(d), float(scores[d]) if ranked else None, marks) for d in docnums
        ]
        return SearchResult(
            request=request,
            total=len(candidates),
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=self._facets(retriever, matched, request),
            suggestion=opened.accents.suggest(request.query) if not parsed.is_empty else None,
        )

    @staticmethod
    def _hit(searcher: Searcher, docnum: int, score: float | None, marks: highlight.Marks) -> Hit:
        stored = searcher.stored_fields(docnum)
        return Hit(
            id=stored[f.ID_FIELD],
            title=stored.get(f.TITLE, ""),
            title_html=highlight.mark_all(stored.get(f.TITLE, ""), marks),
            snippet=highlight.snippet(stored.get(f.BODY, ""), marks),
            url=stored.get("url"),
            district=_split_districts(stored.get(f.DISTRICT)),
            year=_year(stored.get(f.YEAR)),
            date=stored.get("date_iso"),
            score=round(score, 4) if score is not None else None,
        )

    def rank(self, query_text: str, limit: int) -> list[tuple[str, float]]:
        """Just the ranking: (id, score) of the best ``limit`` documents, no snippets."""
        opened = self._opened()
        plan = q.plan(q.parse(query_text), opened.abbreviations)
        scores, matched = opened.retriever.evaluate(opened.searcher, plan)
        docnums = opened.retriever.top(np.flatnonzero(matched), scores, 0, limit)
        stored = opened.searcher.stored_fields
        return [(stored(int(d))[f.ID_FIELD], float(scores[d])) for d in docnums]

    # -- documents -------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        stored = self._opened().searcher.document(**{f.ID_FIELD: doc_id})
        return _document(stored) if stored else None

    def stored_texts(self) -> Iterator[tuple[str, str]]:
        """(id, title and text) of every document, in index order (for baselines)."""
        for stored in self._opened().searcher.documents():
            yield stored[f.ID_FIELD], f"{stored.get(f.TITLE, '')}\n{stored.get(f.BODY, '')}"

    def highlighted(self, document: Document, query_text: str) -> tuple[str, str]:
        """The article's title and text as escaped HTML, with the words ``query_text``
        would match in ``<mark>`` (for the article page)."""
        marks = q.marks(q.parse(query_text), self._opened().abbreviations) if query_text.strip() else None
        marks = marks or highlight.Marks()
        return highlight.mark_all(document.title, marks), highlight.mark_all(document.body, marks)


def _document(stored: dict[str, Any]) -> Document:
    return Document(
        id=stored[f.ID_FIELD],
        title=stored.get(f.TITLE, ""),
        body=stored.get(f.BODY, ""),
        url=stored.get("url"),
        district=_split_districts(stored.get(f.DISTRICT)),
        year=_year(stored.get(f.YEAR)),
        date=stored.get("date_iso"),
        author=stored.get("author"),
    )
