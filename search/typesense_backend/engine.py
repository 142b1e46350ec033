"""The engine facade on a Typesense cluster: the methods and results of
:class:`search.engine.SearchEngine`, answered by the cluster plus our own scoring.

One search takes three requests: (1) the document frequencies of the query's terms
and the match count and facet counts, (2) the candidates with their token sequences,
(3) the display fields of the page's hits. What matches is decided by our query plan:
a query of up to four syllables needs all of them, which is a Typesense filter on the
exact tokens, so total and facets are exact, and when no more than
``CANDIDATES`` documents match they are all scored. Otherwise (a long question, or a
short query matching more), Typesense's text match over the same tokens, rarest first,
picks the ``CANDIDATES`` to score.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search import highlight, segment
from search import query as q
from search import schema as f
from search.abbreviations import Abbreviations
from search.results import Document, FacetBucket, Hit, SearchRequest, SearchResult
from search.storage import NoIndex
from search.suggest import AccentVocabulary
from search.typesense_backend import documents as d
from search.typesense_backend.cluster import Cluster
from search.typesense_backend.indexer import META_ID
from search.typesense_backend.scoring import Candidate, Scorer, Statistics, phrase_parts, plan_terms

CANDIDATES = 200  # documents scored per query (more when a deeper page is asked)
PAGE = 250  # Typesense's largest page
SCORING_FIELDS = f"id,seq,{d.TITLE_SEQUENCE},{d.BODY_SEQUENCE},{d.WORDS_SEQUENCE}"
DISPLAY_FIELDS = f"id,{f.TITLE},{f.BODY},url,{f.DISTRICT},{f.YEAR},date_iso,author"
FREQUENCY_CACHE = 200_000


@dataclass
class _Generation:
    """What one built collection needs beside the cluster (loaded once)."""

    name: str
    stats: str
    meta: dict[str, Any]
    abbreviations: Abbreviations
    accents: AccentVocabulary


def _quote(value: str) -> str:
    return "`" + value.replace("`", "") + "`"


def _any_of(name: str, values: list[str]) -> str:
    return f"{name}:=[{','.join(_quote(v) for v in values)}]"


def _has(tokens: list[str]) -> str:
    return " && ".join(f"{d.TERMS}:={t}" for t in tokens)


class _Query:
    """A parsed request turned into Typesense filters and the scorer's plan."""

    def __init__(self, text: str, abbreviations: Abbreviations) -> None:
        self.parsed = q.parse(text)
        self.plan = q.plan(self.parsed, abbreviations)
        self.marks = q.marks(self.parsed, abbreviations)
        self.exact = True  # does the filter name exactly the documents the plan matches?
        self.filters: list[str] = []
        plan = self.plan
        counted = [c for c in plan.clauses if not c.filler] or plan.clauses
        clause_filters = [self._clause(c) for c in counted]
        if plan.min_match >= len(counted):
            self.filters += [f"({c})" for c in clause_filters]
        elif plan.min_match > 0:
            self.exact = False
            self.filters.append("(" + " || ".join(f"({c})" for c in clause_filters) + ")")
        for phrase in plan.phrases:
            if isinstance(phrase, list):
                self.filters.append(_any_of(d.TERMS, [_token(ref) for ref in phrase]))
            else:
                self.exact = False  # three syllables or more: pairs here, positions in Python
                folded = phrase_parts(phrase)[0][1]
                self.filters.append(_has([d.token(p) for p in d.pairs_of(folded)]))
        for exclusion in plan.exclusions:
            if isinstance(exclusion, list):
                self.filters.append(f"{d.TERMS}:!=[{','.join(_token(ref) for ref in exclusion)}]")
            else:
                self.exact = False

    @staticmethod
    def _clause(clause: q.Clause) -> str:
        alternatives = [_has([d.token(syllable[0].text) for syllable in alt]) for alt in clause.alternatives]
        return " || ".join(f"({a})" for a in alternatives)

    def tokens(self, frequencies: dict[tuple[str, str], int]) -> list[str]:
        """The query's folded syllables and pairs as Typesense tokens, rarest first."""
        terms: dict[str, int] = {}
        for clause in self.plan.clauses:
            if clause.filler:
                continue
            for alternative in clause.alternatives:
                for syllable in alternative:
                    text = syllable[0].text
                    terms[text] = frequencies.get(("fb", text), 1)
        for ref in self.plan.boosts:
            if ref.field == f.PAIRS:
                terms[ref.text] = frequencies.get(("p", ref.text), 1)
        return [d.token(t) for t in sorted(terms, key=lambda t: (terms[t], t))]


def _token(ref: q.TermRef) -> str:
    if ref.field in (f.BODY, f.TITLE):
        return d.accented_token(ref.text)
    return d.token(ref.text)


def _facet_filter(districts: tuple[str, ...], years: tuple[int, ...]) -> tuple[list[str], list[str]]:
    by_district = [_any_of(f.DISTRICT, list(districts))] if districts else []
    by_year = [_any_of(f.YEAR, [str(y) for y in years])] if years else []
    return by_district, by_year


def _filter(parts: list[str]) -> str:
    return " && ".join(parts)


class TypesenseEngine:
    """:class:`search.engine.SearchEngine`'s interface on a Typesense cluster."""

    def __init__(self, index_dir: Path | None = None, cluster: Cluster | None = None) -> None:
        self.index_dir = Path(index_dir) if index_dir is not None else Path("index")
        self.cluster = cluster or Cluster.from_environment()
        self._generation_cache: _Generation | None = None
        self._frequencies: OrderedDict[tuple[str, str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    # -- the built collection --------------------------------------------------------
    def _generation(self) -> _Generation:
        name = self.cluster.resolve_alias()
        if name is None:
            raise NoIndex(
                f"no collection behind the Typesense alias {self.cluster.alias!r}; "
                "build one with: vnsearch index"
            )
        with self._lock:
            cached = self._generation_cache
            if cached is not None and cached.name == name:
                return cached
        stats = f"{name}-stats"
        record = self.cluster.retrieve(stats, META_ID)
        if record is None:
            raise NoIndex(f"the Typesense collection {name!r} has no statistics; rebuild it")
        import json

        meta = json.loads(record["meta"])
        generation = _Generation(
            name, stats, meta, Abbreviations(meta["abbreviations"]), AccentVocabulary(meta["accents"])
        )
        with self._lock:
            self._generation_cache = generation
        return generation

    def close(self) -> None:
        """Nothing is held open between requests."""

    def exists(self) -> bool:
        return self.cluster.resolve_alias() is not None

    def prepare(self) -> bool:
        if not self.exists():
            return False
        segment.load_model()
        self._generation()
        return True

    def info(self) -> dict[str, Any]:
        name = self.cluster.resolve_alias()
        if name is None:
            return {"status": "no index", "documents": 0}
        generation = self._generation()
        return {
            "status": "ok",
            "documents": self.cluster.count(name),
            "generation": name,
            "built_at": generation.meta.get("built_at"),
        }

    # -- statistics ------------------------------------------------------------------
    def _statistics(self, generation: _Generation, keys: set[tuple[str, str]]) -> Statistics:
        frequencies: dict[tuple[str, str], int] = {}
        missing: list[tuple[str, str]] = []
        with self._lock:
            for key in keys:
                found = self._frequencies.get((generation.name, *key))
                if found is None:
                    missing.append(key)
                else:
                    frequencies[key] = found
        by_id = {d.stat_id(view, term): (view, term) for view, term in missing}
        ids = sorted(by_id)
        searches = [
            {
                "collection": generation.stats,
                "q": "*",
                "filter_by": _any_of("id", ids[i : i + PAGE]),
                "per_page": PAGE,
                "include_fields": "id,n",
            }
            for i in range(0, len(ids), PAGE)
        ]
        fetched = {key: 1 for key in missing}
        for result in self.cluster.multi_search(searches) if searches else []:
            for hit in result["hits"]:
                fetched[by_id[hit["document"]["id"]]] = int(hit["document"]["n"])
        with self._lock:
            for key, n in fetched.items():
                self._frequencies[(generation.name, *key)] = n
            while len(self._frequencies) > FREQUENCY_CACHE:
                self._frequencies.popitem(last=False)
        frequencies.update(fetched)
        documents = int(generation.meta["documents"])
        return Statistics(documents, generation.meta["averages"], frequencies)

    # -- candidates --------------------------------------------------------------------
    def _fetch(self, name: str, params: dict[str, Any], limit: int) -> tuple[list[dict[str, Any]], int]:
        """Up to ``limit`` documents of one search, page by page; and the search's found."""
        documents: list[dict[str, Any]] = []
        found = 0
        page = 1
        while len(documents) < limit:
            per_page = min(PAGE, limit - len(documents)) if page == 1 else PAGE
            result = self.cluster.search(name, {**params, "page": page, "per_page": per_page})
            found = int(result["found"])
            documents += [hit["document"] for hit in result["hits"]]
            if len(result["hits"]) < per_page or len(documents) >= found:
                break
            page += 1
        return documents[:limit], found

    def _candidates(
        self, generation: _Generation, query: _Query, filters: list[str], statistics: Statistics, limit: int
    ) -> list[Candidate]:
        base = {"include_fields": SCORING_FIELDS, "filter_by": _filter(filters)} if filters else {}
        base.setdefault("include_fields", SCORING_FIELDS)
        tokens = query.tokens(statistics.frequencies)
        if not tokens:
            documents, _ = self._fetch(generation.name, {**base, "q": "*"}, limit)
        else:
            params = {
                **base,
                "q": " ".join(tokens),
                "query_by": d.TERMS,
                "num_typos": 0,
                "typo_tokens_threshold": 0,
                "drop_tokens_threshold": limit,
                "prefix": False,
                "highlight_fields": "none",
            }
            documents, _ = self._fetch(generation.name, params, limit)
        return [Candidate.from_hit(doc) for doc in documents]

    def _count_and_facets(
        self, generation: _Generation, filters: list[str], request: SearchRequest
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        by_district, by_year = _facet_filter(request.districts, request.years)
        searches = [
            {"q": "*", "filter_by": _filter(filters + by_district + by_year), "per_page": 0},
            {
                "q": "*",
                "filter_by": _filter(filters + by_year),
                "per_page": 0,
                "facet_by": f.DISTRICT,
                "max_facet_values": 1000,
            },
            {
                "q": "*",
                "filter_by": _filter(filters + by_district),
                "per_page": 0,
                "facet_by": f.YEAR,
                "max_facet_values": 1000,
            },
        ]
        for search in searches:
            search["collection"] = generation.name
            if not search["filter_by"]:
                del search["filter_by"]
        total, *facets = self.cluster.multi_search(searches)
        return total, facets

    @staticmethod
    def _buckets(facet_results: list[dict[str, Any]], request: SearchRequest) -> dict[str, list[FacetBucket]]:
        selected = {"district": set(request.districts), "year": {str(y) for y in request.years}}
        facets: dict[str, list[FacetBucket]] = {}
        for name, result in zip(("district", "year"), facet_results, strict=True):
            counts: dict[str, int] = {}
            for facet in result.get("facet_counts", []):
                counts.update({c["value"]: int(c["count"]) for c in facet["counts"] if c["count"]})
            values = set(counts) | selected[name]
            buckets = [FacetBucket(v, counts.get(v, 0), v in selected[name]) for v in values]
            if name == "year":
                buckets.sort(key=lambda b: b.value, reverse=True)
            else:
                buckets.sort(key=lambda b: (-b.count, b.value))
            facets[name] = buckets
        return facets

    def _display(self, name: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        params = {"q": "*", "filter_by": _any_of("id", ids), "per_page": len(ids), "include_fields": DISPLAY_FIELDS}
        return {hit["document"]["id"]: hit["document"] for hit in self.cluster.search(name, params)["hits"]}

    # -- searching -----------------------------------------------------------------------
    def _ranked(
        self, generation: _Generation, query: _Query, filters: list[str], limit: int
    ) -> list[tuple[Candidate, float]]:
        statistics = self._statistics(generation, plan_terms(query.plan))
        candidates = self._candidates(generation, query, filters, statistics, max(limit, CANDIDATES))
        return Scorer(candidates, statistics).ranked(query.plan, limit)

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        generation = self._generation()
        query = _Query(request.query, generation.abbreviations)
        by_district, by_year = _facet_filter(request.districts, request.years)
        total_result, facet_results = self._count_and_facets(generation, query.filters, request)
        total = int(total_result["found"])
        first = (request.page - 1) * request.per_page
        ranked = request.sort == "relevance" and not query.parsed.is_empty
        if ranked:
            best = self._ranked(generation, query, query.filters + by_district + by_year, first + request.per_page)
            page = [(c.id, score) for c, score in best[first:]]
        else:
            params = {
                "q": "*",
                "sort_by": f"{f.SORT_DATE}:desc,seq:asc",
                "include_fields": "id",
                "page": request.page,
                "per_page": request.per_page,
            }
            if parts := query.filters + by_district + by_year:
                params["filter_by"] = _filter(parts)
            hits = self.cluster.search(generation.name, params)["hits"]
            page = [(hit["document"]["id"], None) for hit in hits]
        stored = self._display(generation.name, [doc_id for doc_id, _ in page])
        hits = [self._hit(stored[doc_id], score, query.marks) for doc_id, score in page if doc_id in stored]
        return SearchResult(
            request=request,
            total=total,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=self._buckets(facet_results, request),
            suggestion=generation.accents.suggest(request.query) if not query.parsed.is_empty else None,
        )

    @staticmethod
    def _hit(stored: dict[str, Any], score: float | None, marks: highlight.Marks) -> Hit:
        title, body = stored.get(f.TITLE) or "", stored.get(f.BODY) or ""
        year = stored.get(f.YEAR)
        return Hit(
            id=stored["id"],
            title=title,
            title_html=highlight.mark_all(title, marks),
            snippet=highlight.snippet(body, marks),
            url=stored.get("url"),
            district=list(stored.get(f.DISTRICT) or []),
            year=int(year) if year and str(year).isdigit() else None,
            date=stored.get("date_iso"),
            score=round(score, 4) if score is not None else None,
        )

    def rank(self, query_text: str, limit: int) -> list[tuple[str, float]]:
        generation = self._generation()
        query = _Query(query_text, generation.abbreviations)
        return [(c.id, score) for c, score in self._ranked(generation, query, query.filters, limit)]

    # -- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        stored = self.cluster.retrieve(self._generation().name, doc_id)
        if stored is None:
            return None
        year = stored.get(f.YEAR)
        return Document(
            id=stored["id"],
            title=stored.get(f.TITLE) or "",
            body=stored.get(f.BODY) or "",
            url=stored.get("url"),
            district=list(stored.get(f.DISTRICT) or []),
            year=int(year) if year and str(year).isdigit() else None,
            date=stored.get("date_iso"),
            author=stored.get("author"),
        )

    def stored_texts(self) -> Iterator[tuple[str, str]]:
        """(id, title and text) of every document, in index order (for baselines)."""
        rows = list(self.cluster.export(self._generation().name, f"id,seq,{f.TITLE},{f.BODY}"))
        rows.sort(key=lambda row: int(row.get("seq", 0)))
        for row in rows:
            yield row["id"], f"{row.get(f.TITLE) or ''}\n{row.get(f.BODY) or ''}"

    def highlighted(self, document: Document, query_text: str) -> tuple[str, str]:
        generation = self._generation()
        marks = q.marks(q.parse(query_text), generation.abbreviations) if query_text.strip() else None
        marks = marks or highlight.Marks()
        return highlight.mark_all(document.title, marks), highlight.mark_all(document.body, marks)
