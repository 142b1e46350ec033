"""The engine facade: the one door the web UI, the CLI and other programs use.

>>> engine = SearchEngine(Path("index"))
>>> result = engine.search(SearchRequest(query="chuong my"))
>>> result.to_json()["hits"][0]["title"]

It follows the index folder's CURRENT pointer on every call, so a rebuild is picked
up without a restart, and keeps one Whoosh searcher per thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.query import Or, Query, Term
from whoosh.searching import Searcher
from whoosh.sorting import Count, FieldFacet

from search import highlight
from search import query as q
from search import schema as f
from search.abbreviations import Abbreviations
from search.ranking import weighting
from search.results import Document, FacetBucket, Hit, SearchRequest, SearchResult
from search.storage import NoIndex, current_generation, read_meta
from search.suggest import AccentVocabulary

FACET_FIELDS = {"district": f.DISTRICT, "year": f.YEAR}


@dataclass
class _Opened:
    generation: Path
    searcher: Searcher
    abbreviations: Abbreviations
    accents: AccentVocabulary


def _split_districts(value: str | None) -> list[str]:
    return [d for d in (value or "").split(",") if d]


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class SearchEngine:
    """Search one index folder (see :mod:`search.storage` for its layout)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._local = threading.local()

    # -- opening ---------------------------------------------------------------
    def _opened(self) -> _Opened:
        generation = current_generation(self.index_dir)
        if generation is None:
            raise NoIndex(f"no index in {self.index_dir}; build one with: vnsearch index")
        opened: _Opened | None = getattr(self._local, "opened", None)
        if opened is None or opened.generation != generation:
            if opened is not None:
                opened.searcher.close()
            ix = whoosh_index.open_dir(str(generation))
            opened = _Opened(
                generation,
                ix.searcher(weighting=weighting()),
                Abbreviations.load(generation),
                AccentVocabulary.load(generation),
            )
            self._local.opened = opened
        return opened

    def exists(self) -> bool:
        return current_generation(self.index_dir) is not None

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
    def _filter(districts: tuple[str, ...], years: tuple[int, ...]) -> Query | None:
        parts: list[Query] = []
        if districts:
            parts.append(Or([Term(f.DISTRICT, d) for d in districts]))
        if years:
            parts.append(Or([Term(f.YEAR, str(y)) for y in years]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else parts[0] & parts[1]

    def _facet_counts(
        self, searcher: Searcher, query: Query, filter_query: Query | None, name: str
    ) -> dict[Any, int]:
        facet = FieldFacet(FACET_FIELDS[name], allow_overlap=name == "district")
        results = searcher.search(query, filter=filter_query, groupedby={name: facet}, maptype=Count, limit=1)
        return dict(results.groups(name))

    def _facets(
        self, searcher: Searcher, query: Query, request: SearchRequest, main_groups: dict[str, dict[Any, int]]
    ) -> dict[str, list[FacetBucket]]:
        """Facet counts. Values of one facet combine with OR, facets with AND, so the
        counts of a facet are taken without its own selection (the other values stay
        reachable) but with the other facet's."""
        selected = {"district": set(request.districts), "year": {str(y) for y in request.years}}
        facets: dict[str, list[FacetBucket]] = {}
        for name in FACET_FIELDS:
            counts = main_groups[name]
            if selected[name]:
                others = self._filter(
                    () if name == "district" else request.districts,
                    () if name == "year" else request.years,
                )
                counts = self._facet_counts(searcher, query, others, name)
            values = {str(v) for v in counts if v not in (None, "")} | selected[name]
            buckets = [FacetBucket(v, int(counts.get(v, 0)), v in selected[name]) for v in values]
            if name == "year":
                buckets.sort(key=lambda b: b.value, reverse=True)
            else:
                buckets.sort(key=lambda b: (-b.count, b.value))
            facets[name] = buckets
        return facets

    def search(self, request: SearchRequest) -> SearchResult:
        """Ranked, highlighted, faceted results for one request."""
        started = time.perf_counter()
        opened = self._opened()
        searcher = opened.searcher
        parsed = q.parse(request.query)
        query = q.build(parsed, opened.abbreviations)
        marks = q.marks(parsed, opened.abbreviations)
        groups = {
            "district": FieldFacet(f.DISTRICT, allow_overlap=True),
            "year": FieldFacet(f.YEAR),
        }
        sort: dict[str, Any] = {}
        if request.sort == "date" or parsed.is_empty:
            sort = {"sortedby": f.SORT_DATE, "reverse": True}
        page = searcher.search_page(
            query,
            request.page,
            pagelen=request.per_page,
            filter=self._filter(request.districts, request.years),
            groupedby=groups,
            maptype=Count,
            **sort,
        )
        results = page.results
        main_groups = {name: dict(results.groups(name)) for name in groups}
        ranked = not sort
        # Whoosh clamps a page past the end to the last page; past the end is empty.
        beyond = request.page > page.pagecount
        hits = [] if beyond else [self._hit(hit, marks, ranked) for hit in page]
        facets = self._facets(searcher, query, request, main_groups)
        return SearchResult(
            request=request,
            total=page.total,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets,
            suggestion=opened.accents.suggest(request.query) if not parsed.is_empty else None,
        )

    @staticmethod
    def _hit(hit: Any, marks: highlight.Marks, ranked: bool) -> Hit:
        stored = hit.fields()
        return Hit(
            id=stored[f.ID_FIELD],
            title=stored.get(f.TITLE, ""),
            title_html=highlight.mark_all(stored.get(f.TITLE, ""), marks),
            snippet=highlight.snippet(stored.get(f.BODY, ""), marks),
            url=stored.get("url"),
            district=_split_districts(stored.get(f.DISTRICT)),
            year=_year(stored.get(f.YEAR)),
            date=stored.get("date_iso"),
            score=round(float(hit.score), 4) if ranked and hit.score is not None else None,
        )

    def rank(self, query_text: str, limit: int) -> list[tuple[str, float]]:
        """Just the ranking: (id, score) of the best ``limit`` documents, no snippets."""
        opened = self._opened()
        query = q.build(q.parse(query_text), opened.abbreviations)
        results = opened.searcher.search(query, limit=limit)
        return [(hit[f.ID_FIELD], float(hit.score)) for hit in results]

    # -- documents -------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        stored = self._opened().searcher.document(**{f.ID_FIELD: doc_id})
        return _document(stored) if stored else None

    def stored_texts(self) -> Iterator[tuple[str, str]]:
        """(id, title and text) of every document, in index order (for baselines)."""
        for stored in self._opened().searcher.documents():
            yield stored[f.ID_FIELD], f"{stored.get(f.TITLE, '')}\n{stored.get(f.BODY, '')}"

    def marks(self, query_text: str) -> highlight.Marks:
        """What a query marks in a text (for highlighting an article page with
        :func:`search.highlight.mark_all`)."""
        return q.marks(q.parse(query_text), self._opened().abbreviations)


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
