"""The engine facade on a Typesense cluster: the methods and results of
:class:`search.engine.Engine`, answered by the cluster plus our own scoring.

One search takes two requests: (1) the document frequencies of the query's terms, the
match count and the facet counts, and the impact postings of its terms
(:mod:`.impacts`); (2) the candidates' token sequences and display fields. A third only
pages through many exact matches of a deep page. The alias and the statistics' revision
are looked up at most once a second (:data:`REVISION_CHECK_S`).

What matches is decided by our query plan. A query of up to four syllables needs all
of them: that is a Typesense filter on exact tokens, so total and facets are exact,
and when no more than ``CANDIDATES`` documents match, all of them are scored. Otherwise
(a long question, or a short query matching more) the ``CANDIDATES`` best by the impact
postings (BM25 over the folded, headline and pair views) are scored; a long question's
total and facets then count the documents with any of its words.

A query with a district or year filter, a quoted phrase or an exclusion (and any query
on a collection built before impact postings) lists instead, in request (1), the
postings (ids only) of the query's rarest tokens under its filter; the documents
holding most of them (weighted by IDF, topped up by Typesense's own text match, a third
request) are the candidates.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from search import fields, snippets
from search.analysis import segment
from search.analysis.views import pairs_of
from search.backends.typesense import impacts, records, state
from search.backends.typesense.cluster import PAGE, Cluster, any_of, lookups
from search.backends.typesense.indexer import META_ID
from search.backends.typesense.scoring import VIEW_OF, Candidate, Scorer, Statistics, phrase_parts, plan_terms
from search.cache import RecentResults
from search.errors import NoIndex
from search.lexicon.abbreviations import Abbreviations
from search.lexicon.accents import AccentVocabulary
from search.lexicon.suggestions import Suggestion, Suggestions, keyed
from search.query import planner, ranking
from search.query.fillers import HAND_FILLERS, FillerWords
from search.results import (
    FACETS,
    BadRequest,
    Document,
    FacetValues,
    Hit,
    SearchRequest,
    SearchResult,
    document_of,
    facet_values,
    faceted,
)

CANDIDATES = 200  # documents scored per query (more when a deeper page is asked)
MAX_RANKED = 1000  # the deepest result a ranked search reaches here (a 400 beyond it)
MAX_POSTINGS_SEARCHES = 40  # tokens whose postings the first request may list
TEXT_MATCH_SHARE = 0.0  # of the candidates, kept for Typesense's text match over ...
TEXT_MATCH_TOKENS = 20  # ... this many of the query's rarest tokens (0.5 of 8: no better)
SCORING_FIELDS = ",".join(
    [
        "id",
        records.TITLE_SEQUENCE,
        records.BODY_SEQUENCE,
        records.WORDS_SEQUENCE,
        records.TITLE_FOLDED_SEQUENCE,
        records.BODY_FOLDED_SEQUENCE,
    ]
)
# Documents Typesense may list per query for the postings of the rarest tokens (each
# in at most one page of documents): with fewer, the candidates miss relevant articles
# (the trade-off is measured in BENCHMARKS.md, "Typesense backend").
POSTINGS_BUDGET = 1500
DISPLAY_FIELDS = ",".join(
    [
        fields.ID_FIELD,
        fields.TITLE,
        fields.BODY,
        fields.URL,
        fields.DISTRICT,
        fields.YEAR,
        fields.DATE_ISO,
        fields.AUTHOR,
    ]
)
FREQUENCY_CACHE = 200_000
# How often a search checks whether a rebuild moved the alias or ``--update`` changed the
# live collection's statistics (two small requests at most this often, in seconds).
REVISION_CHECK_S = 1.0


class Listed(NamedTuple):
    """What the first request listed: the total, the first page of ids of an exact
    filter, and the whole postings of the tokens that had at most a page."""

    total: int
    matching: list[str]
    postings: dict[str, list[str]]


@dataclass
class _Generation:
    """What one built collection needs beside the cluster (loaded once)."""

    name: str  # the index collection (tokens, facets, sort key)
    stats: str  # document frequencies and metadata
    content: str  # display fields and token sequences
    meta: dict[str, Any]
    abbreviations: Abbreviations
    accents: AccentVocabulary
    suggestions: Suggestions
    # view -> term -> documents, of the folded syllables and pairs in more than
    # indexer.FREQUENT_AT documents; None for a collection built without the table
    frequent: dict[str, dict[str, int]] | None
    fillers: FillerWords  # the hand list and the stopwords most documents have
    revision: str | None  # changes with every build or update (``--update`` writes in place)
    checked: float  # when the revision was last read (time.monotonic)

    @property
    def impacts(self) -> bool:
        """Do the statistics records carry impact postings (:mod:`.impacts`)?"""
        return bool(self.meta.get("impacts"))

    @property
    def key(self) -> str:
        """What the caches of frequencies and answers are kept under."""
        return f"{self.name}@{self.revision}"


def _has(tokens: list[str]) -> str:
    return " && ".join(f"{records.TERMS}:={t}" for t in tokens)


class _Query:
    """A parsed request turned into Typesense filters and the scorer's plan."""

    def __init__(self, text: str, abbreviations: Abbreviations, fillers: FillerWords = HAND_FILLERS) -> None:
        self.parsed = planner.parse(text)
        self.plan = planner.plan(self.parsed, abbreviations, fillers=fillers)
        self.marks = planner.marks(self.parsed, abbreviations, fillers=fillers)
        self.exact = True  # does the filter name exactly the documents the plan matches?
        self.filters: list[str] = []  # what must match: the words, then the conditions
        self.conditions: list[str] = []  # phrases and exclusions
        plan = self.plan
        counted = [c for c in plan.clauses if not c.filler] or plan.clauses
        self.clause_filters: list[str] = []
        if plan.min_match >= len(counted):
            self.clause_filters = [f"({self._clause(c)})" for c in counted]
        elif plan.min_match > 0:  # a long question: any of its words, the plan decides
            self.exact = False
            tokens = {records.token(s[0].text) for c in counted for alt in c.alternatives for s in alt}
            self.clause_filters = [f"{records.TERMS}:=[{','.join(sorted(tokens))}]"]
        self.filters += self.clause_filters
        for phrase in plan.phrases:
            if isinstance(phrase, list):
                self.conditions.append(any_of(records.TERMS, [_token(ref) for ref in phrase]))
            else:
                self.exact = False  # three syllables or more: pairs here, positions in Python
                folded = phrase_parts(phrase)[0][1]
                self.conditions.append(_has([records.token(p) for p in pairs_of(folded)]))
        for exclusion in plan.exclusions:
            if isinstance(exclusion, list):
                self.conditions.append(f"{records.TERMS}:!=[{','.join(_token(ref) for ref in exclusion)}]")
            else:
                self.exact = False
        self.filters += self.conditions

    @staticmethod
    def _clause(clause: planner.Clause) -> str:
        alternatives = [
            _has([records.token(syllable[0].text) for syllable in alt]) for alt in clause.alternatives
        ]
        return " || ".join(f"({a})" for a in alternatives)

    def token_terms(self) -> list[tuple[str, str]]:
        """The query's folded syllables (not its filler words) and pairs, as (view,
        term): the tokens whose postings can choose the candidates."""
        terms: dict[tuple[str, str], None] = {}
        for clause in self.plan.clauses:
            if clause.filler:
                continue
            for alternative in clause.alternatives:
                for syllable in alternative:
                    terms[records.BODY_FOLDED, syllable[0].text] = None
        for ref in self.plan.boosts:
            if ref.field == fields.PAIRS:
                terms[records.PAIRS, ref.text] = None
        return list(terms)

    def tokens(self, statistics: Statistics) -> list[tuple[str, float, int]]:
        """The query's folded syllables and pairs as Typesense tokens, with their IDF
        and document frequency, rarest first."""
        frequencies = statistics.frequencies
        found: dict[str, int] = {}
        for view, term in self.token_terms():
            if view == records.PAIRS:
                found[term] = frequencies.get((records.PAIRS, term), 1)
            else:
                n = (records.BODY_FOLDED, term), (records.TITLE_FOLDED, term)
                found[term] = max(frequencies.get(n[0], 0), frequencies.get(n[1], 0))
        ordered = sorted((n, term) for term, n in found.items() if n > 0)
        return [(records.token(term), ranking.idf(n, statistics.documents), n) for n, term in ordered]


def _token(ref: planner.TermRef) -> str:
    if ref.field in (fields.BODY, fields.TITLE):
        return records.accented_token(ref.text)
    return records.token(ref.text)


def _facet_filter(districts: tuple[str, ...], years: tuple[int, ...]) -> tuple[list[str], list[str]]:
    by_district = [any_of(fields.DISTRICT, list(districts))] if districts else []
    by_year = [any_of(fields.YEAR, [str(y) for y in years])] if years else []
    return by_district, by_year


def _filter(parts: list[str]) -> str:
    return " && ".join(parts)


def _every(filters: list[str]) -> dict[str, str]:
    """A search for every document ``filters`` (district, year) let through."""
    return {"q": "*", "filter_by": _filter(filters)} if filters else {"q": "*"}


class TypesenseEngine:
    """:class:`search.engine.Engine` on a Typesense cluster."""

    def __init__(self, index_dir: Path | None = None, cluster: Cluster | None = None) -> None:
        self.index_dir = Path(index_dir) if index_dir is not None else Path("index")
        self.cluster = cluster or Cluster.from_environment()
        self._generation_cache: _Generation | None = None
        self._frequencies: OrderedDict[tuple[str, str, str], int] = OrderedDict()
        self._lock = threading.Lock()
        self._recent = RecentResults()

    # -- the built collection --------------------------------------------------------
    def _generation(self) -> _Generation:
        """The collection the alias points at, with its metadata: looked up again (the
        alias and the statistics' revision) at most every :data:`REVISION_CHECK_S`, so
        that a search's requests are its own."""
        with self._lock:
            cached = self._generation_cache
        if cached is not None and time.monotonic() - cached.checked < REVISION_CHECK_S:
            return cached
        name = self.cluster.resolve_alias()
        if name is None:
            raise NoIndex(
                f"no collection behind the Typesense alias {self.cluster.alias!r}; "
                "build one with: vnsearch index"
            )
        stats = records.stats_collection(name)
        revision = state.revision(self.cluster, stats)  # before the metadata it announces
        if cached is not None and cached.name == name and revision == cached.revision:
            cached.checked = time.monotonic()
            return cached
        record = self.cluster.retrieve(stats, META_ID)
        if record is None:
            raise NoIndex(f"the Typesense collection {name!r} has no statistics; rebuild it")
        meta = json.loads(record["meta"])
        generation = _Generation(
            name,
            stats,
            records.content_collection(name),
            meta,
            Abbreviations(meta["abbreviations"]),
            AccentVocabulary(meta["accents"]),
            Suggestions(keyed(tuple(entry) for entry in meta.get("suggestions", []))),
            meta.get("frequent"),
            FillerWords.of(HAND_FILLERS.accented, learned=meta.get("fillers", [])),
            revision,
            time.monotonic(),
        )
        with self._lock:
            self._generation_cache = generation
        return generation

    def close(self) -> None:
        """Nothing is held open between requests."""

    def follow_in_background(self) -> None:
        """Nothing to open ahead: a new collection needs only its statistics record."""

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
    def _statistics(
        self, generation: _Generation, keys: set[tuple[str, str]], also: list[dict[str, Any]]
    ) -> tuple[Statistics, list[dict[str, Any]]]:
        """Document frequencies of ``keys`` (cached, else looked up), and the results of
        the searches ``also`` sent in the same request."""
        frequencies: dict[tuple[str, str], int] = {}
        missing: list[tuple[str, str]] = []
        with self._lock:
            for key in keys:
                found = self._frequencies.get((generation.key, *key))
                if found is None:
                    missing.append(key)
                else:
                    frequencies[key] = found
        by_id = {records.stat_id(view, term): (view, term) for view, term in missing}
        ids = sorted(by_id)
        reads = lookups(generation.stats, ids, "id,n")
        results = self.cluster.multi_search(reads + also) if reads or also else []
        fetched = dict.fromkeys(missing, 1)
        for result in results[: len(reads)]:
            for hit in result["hits"]:
                fetched[by_id[hit["document"]["id"]]] = int(hit["document"]["n"])
        with self._lock:
            for key, n in fetched.items():
                self._frequencies[(generation.key, *key)] = n
            while len(self._frequencies) > FREQUENCY_CACHE:
                self._frequencies.popitem(last=False)
        frequencies.update(fetched)
        documents = int(generation.meta["documents"])
        return Statistics(documents, generation.meta["averages"], frequencies), results[len(reads) :]

    # -- candidates --------------------------------------------------------------------
    def _ids(
        self, name: str, params: dict[str, Any], limit: int, first_page: list[str] | None = None
    ) -> list[str]:
        """Up to ``limit`` ids one search lists, page by page (``first_page``: the ids of
        its first page of :data:`PAGE`, already fetched)."""
        ids: list[str] = list(first_page or [])
        page = 2 if first_page is not None else 1
        while len(ids) < limit:
            per_page = min(PAGE, limit - len(ids)) if page == 1 else PAGE
            result = self.cluster.search(
                name, {**params, "page": page, "per_page": per_page, "include_fields": "id"}
            )
            ids += [hit["document"]["id"] for hit in result["hits"]]
            if len(result["hits"]) < per_page or len(ids) >= int(result["found"]):
                break
            page += 1
        return ids[:limit]

    def _stored(self, generation: _Generation, ids: list[str], wanted: str) -> dict[str, dict[str, Any]]:
        """Content records by id."""
        return self.cluster.lookup(generation.content, ids, wanted)

    def _stored_by_seq(self, generation: _Generation, seqs: list[int], wanted: str) -> list[dict[str, Any]]:
        """Content records by ``seq`` number, in the order of ``seqs`` (those that
        exist: an article deleted since its postings were written is left out)."""
        searches = lookups(generation.content, seqs, f"seq,{wanted}", field="seq")
        found = {
            int(hit["document"]["seq"]): hit["document"]
            for result in self.cluster.multi_search(searches)
            for hit in result["hits"]
        }
        return [found[n] for n in seqs if n in found]

    @staticmethod
    def _impact_lookups(generation: _Generation, query: _Query) -> list[dict[str, Any]]:
        """The searches that read the impact postings of the plan's terms (sent with
        the statistics, in the first request)."""
        ids = sorted(
            records.stat_id(view, term) for view, term in plan_terms(query.plan) if view in impacts.VIEWS
        )
        return lookups(generation.stats, ids, f"id,{impacts.FIELD}")

    @staticmethod
    def _by_impacts(
        generation: _Generation,
        query: _Query,
        statistics: Statistics,
        found: list[dict[str, Any]],
        limit: int,
    ) -> list[int]:
        """The ``seq`` numbers of the ``limit`` best documents by the plan's BM25 over
        the impact views: each term's IDF x its boost in the plan x its impacts."""
        postings = {
            hit["document"]["id"]: hit["document"][impacts.FIELD]
            for result in found
            for hit in result["hits"]
            if impacts.FIELD in hit["document"]
        }
        weights: dict[str, float] = {}
        refs = [ref for clause in query.plan.clauses for alt in clause.alternatives for s in alt for ref in s]
        for ref in refs + query.plan.boosts:
            view = VIEW_OF[ref.field]
            stat_id = records.stat_id(view, ref.text)
            if stat_id in postings:
                weights[stat_id] = weights.get(stat_id, 0.0) + ref.boost * statistics.idf(view, ref.text)
        size = int(generation.meta["next_seq"])
        return impacts.best(((w, postings[i]) for i, w in weights.items()), size, limit)

    def _postings_searches(
        self, generation: _Generation, query: _Query, filters: list[str]
    ) -> list[tuple[str, dict[str, Any]]]:
        """The searches that list the postings (ids only) of the query's tokens, by token, sent with
        the statistics: those of the tokens in at most a page of documents, known from
        the collection's table of frequent terms (or, for a collection without one, from
        the frequencies seen so far; a token not seen yet is listed up to a page). The
        statistics then say which are rare enough to count (:meth:`_candidate_ids`)."""
        narrowing = filters if query.exact else [c for c in filters if c not in query.clause_filters]
        searches = []
        for view, term in query.token_terms():
            known = self._frequency(generation, view, term)
            if known is not None and (known > PAGE or known == 0):
                continue
            token = records.token(term)
            search = {
                "collection": generation.name,
                "q": "*",
                "filter_by": _filter([*narrowing, f"{records.TERMS}:={token}"]),
                "per_page": PAGE,
                "include_fields": "id",
            }
            searches.append((token, search))
            if len(searches) == MAX_POSTINGS_SEARCHES:
                break
        return searches

    def _frequency(self, generation: _Generation, view: str, term: str) -> int | None:
        """How many documents have a token, as far as known before asking: from the
        table of frequent terms (a term not in it is in at most FREQUENT_AT, counted as
        a page's worth), else the frequencies cached, else None."""
        if generation.frequent is not None:
            if view == records.PAIRS:
                return generation.frequent.get(records.PAIRS, {}).get(term, 1)
            counts = [
                generation.frequent.get(v, {}).get(term, 0)
                for v in (records.BODY_FOLDED, records.TITLE_FOLDED)
            ]
            return max(counts) or 1
        with self._lock:
            return self._frequencies.get((generation.key, view, term))

    def _candidate_ids(
        self,
        generation: _Generation,
        query: _Query,
        filters: list[str],
        statistics: Statistics,
        limit: int,
        listed: Listed,
    ) -> list[str]:
        """The documents to score: all that match when the filter is exact and they are
        few; else those with the most (by IDF) of the query's rarest tokens, whose
        postings came with the statistics, topped up by Typesense's own text match."""
        if (query.exact or query.plan.matches_everything) and listed.total <= limit:
            return self._every_match(generation.name, filters, limit, listed)
        tokens = query.tokens(statistics)
        evidence: dict[str, float] = {}
        budget = POSTINGS_BUDGET
        every_token = True  # ... listed: no other document has any of them
        for token, idf, n in tokens:
            postings = listed.postings.get(token)
            if n > min(budget, PAGE) or postings is None:
                every_token = False
                break
            for doc_id in postings:
                evidence[doc_id] = evidence.get(doc_id, 0.0) + idf
            budget -= n
        chosen = sorted(evidence, key=lambda i: -evidence[i])[: limit - int(limit * TEXT_MATCH_SHARE)]
        if len(chosen) < limit and tokens and not every_token:
            params = {
                **_every(filters),
                "q": " ".join(token for token, _idf, _n in tokens[:TEXT_MATCH_TOKENS]),
                "query_by": records.TERMS,
                "num_typos": 0,
                "typo_tokens_threshold": 0,
                "drop_tokens_threshold": limit,
                "prefix": False,
                "highlight_fields": "none",
            }
            seen = set(chosen)
            more = self._ids(generation.name, params, limit)
            chosen += [doc_id for doc_id in more if doc_id not in seen][: limit - len(chosen)]
        return chosen

    def _every_match(self, name: str, filters: list[str], limit: int, listed: Listed) -> list[str]:
        """The ids of all ``listed.total`` (at most ``limit``) documents ``filters``
        matches: the first page came with the counts, the rest is paged for."""
        if listed.total <= len(listed.matching):
            return listed.matching
        return self._ids(name, _every(filters), limit, listed.matching)

    @staticmethod
    def _ranked(
        contents: list[dict[str, Any]], statistics: Statistics, query: _Query, limit: int
    ) -> list[tuple[dict[str, Any], float]]:
        """The best ``limit`` of the candidates' content records, scored, best first."""
        by_id = {content["id"]: content for content in contents}
        candidates = [Candidate.from_hit(content) for content in contents]
        ranked = Scorer(candidates, statistics, query.plan).ranked(query.plan, limit)
        return [(by_id[candidate.id], score) for candidate, score in ranked]

    def _facet_searches(
        self, generation: _Generation, filters: list[str], request: SearchRequest
    ) -> list[dict[str, Any]]:
        """The total, and each facet's counts under the other facet's selection."""
        by_district, by_year = _facet_filter(request.districts, request.years)
        if not by_district and not by_year:  # one search answers all three
            search = {"collection": generation.name, "q": "*", "per_page": 0, "max_facet_values": 1000}
            search["facet_by"] = f"{fields.DISTRICT},{fields.YEAR}"
            if filters:
                search["filter_by"] = _filter(filters)
            return [search]
        searches = [
            {"q": "*", "filter_by": _filter(filters + by_district + by_year), "per_page": 0},
            {"q": "*", "filter_by": _filter(filters + by_year), "per_page": 0, "facet_by": fields.DISTRICT},
            {"q": "*", "filter_by": _filter(filters + by_district), "per_page": 0, "facet_by": fields.YEAR},
        ]
        for search in searches:
            search["collection"] = generation.name
            if "facet_by" in search:
                search["max_facet_values"] = 1000
            if not search["filter_by"]:
                del search["filter_by"]
        return searches

    @staticmethod
    def _counts(facet_results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
        """Each facet's value counts from the facet searches' results."""
        if len(facet_results) == 1:  # both facets from one search
            facet_results = facet_results * 2
        counts: dict[str, dict[str, int]] = {}
        for name, result in zip(FACETS, facet_results, strict=True):
            counts[name] = {}
            for facet in result.get("facet_counts", []):
                if facet["field_name"] == name:
                    counts[name].update({c["value"]: int(c["count"]) for c in facet["counts"] if c["count"]})
        return counts

    # -- searching -----------------------------------------------------------------------
    def _answer(
        self,
        generation: _Generation,
        query: _Query,
        filters: list[str],
        limit: int,
        counting: list[dict[str, Any]],
        wanted: str,
    ) -> tuple[list[tuple[dict[str, Any], float]], list[dict[str, Any]]]:
        """The best ``limit`` documents for the query as (content record with the fields
        ``wanted`` and the scoring fields, score), and the results of the searches
        ``counting`` (total and facets; the first one's filter must be ``filters``).

        Two round trips: the statistics, the counts and the postings of the query's
        tokens in one request, the candidates' content in another (a third only to page
        through many exact matches, or to top up too few candidates by text match)."""
        limit_candidates = max(limit, CANDIDATES)
        listing = bool(counting) and (query.exact or query.plan.matches_everything)
        if listing:
            counting = [
                {**counting[0], "per_page": min(limit_candidates, PAGE), "include_fields": "id"},
                *counting[1:],
            ]
        if generation.impacts and not query.plan.matches_everything and filters == query.clause_filters:
            return self._answer_by_impacts(generation, query, limit, limit_candidates, counting, wanted)
        listings = self._postings_searches(generation, query, filters)
        tokens = [token for token, _search in listings]
        postings = [search for _token, search in listings]
        statistics, results = self._statistics(generation, plan_terms(query.plan), counting + postings)
        counted = results[: len(counting)]
        listed = Listed(
            total=int(counted[0]["found"]) if counted else limit_candidates + 1,
            matching=[hit["document"]["id"] for hit in counted[0]["hits"]] if listing else [],
            postings={
                token: [hit["document"]["id"] for hit in result["hits"]]
                for token, result in zip(tokens, results[len(counting) :], strict=True)
                if int(result["found"]) <= len(result["hits"])  # the whole list
            },
        )
        ids = self._candidate_ids(generation, query, filters, statistics, limit_candidates, listed)
        stored = self._stored(generation, ids, f"{SCORING_FIELDS},{wanted}" if wanted else SCORING_FIELDS)
        return self._ranked([stored[i] for i in ids if i in stored], statistics, query, limit), counted

    def _answer_by_impacts(
        self,
        generation: _Generation,
        query: _Query,
        limit: int,
        limit_candidates: int,
        counting: list[dict[str, Any]],
        wanted: str,
    ) -> tuple[list[tuple[dict[str, Any], float]], list[dict[str, Any]]]:
        """:meth:`_answer` for a query without conditions beside its words: the
        candidates are the best by the impact postings read with the statistics (or, for
        a short query with few matches, all of those), their content the second request."""
        postings = self._impact_lookups(generation, query)
        statistics, results = self._statistics(generation, plan_terms(query.plan), counting + postings)
        counted = results[: len(counting)]
        total = int(counted[0]["found"]) if counted else limit_candidates + 1
        fields_wanted = f"{SCORING_FIELDS},{wanted}" if wanted else SCORING_FIELDS
        if query.exact and total <= limit_candidates:  # every match is scored
            matching = [hit["document"]["id"] for hit in counted[0]["hits"]]
            ids = self._every_match(
                generation.name, query.filters, limit_candidates, Listed(total, matching, {})
            )
            stored = self._stored(generation, ids, fields_wanted)
            contents = [stored[i] for i in ids if i in stored]
        else:
            seqs = self._by_impacts(generation, query, statistics, results[len(counting) :], limit_candidates)
            contents = self._stored_by_seq(generation, seqs, fields_wanted)
        return self._ranked(contents, statistics, query, limit), counted

    def search(self, request: SearchRequest) -> SearchResult:
        """Ranked, highlighted, faceted results for one request (a request answered
        lately on the same collection from memory)."""
        generation = self._generation()
        return self._recent.answer(generation.key, request, lambda: self._search(generation, request))

    def _search(self, generation: _Generation, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        query = _Query(request.query, generation.abbreviations, generation.fillers)
        by_district, by_year = _facet_filter(request.districts, request.years)
        filters = query.filters + by_district + by_year
        ranked = request.sort == "relevance" and not query.parsed.is_empty
        counting = self._facet_searches(generation, query.filters, request)
        first = (request.page - 1) * request.per_page
        if ranked:
            if first + request.per_page > MAX_RANKED:
                # a page that deep is refused unless there is nothing there (one count)
                total = int(self.cluster.multi_search(counting[:1])[0]["found"])
                if first < total:
                    raise BadRequest(
                        f"results beyond the first {MAX_RANKED} cannot be ranked on this backend: "
                        "narrow the search, or sort by date (sort=date) to page through all of them"
                    )
            best, counted = self._answer(
                generation, query, filters, first + request.per_page, counting, DISPLAY_FIELDS
            )
            page: list[tuple[dict[str, Any], float | None]] = list(best[first:])
        else:
            sort_by = f"{fields.SORT_DATE}:desc,{records.SORT_ID}:asc"
            params: dict[str, Any] = {"q": "*", "sort_by": sort_by, "include_fields": "id"}
            params.update({"page": request.page, "per_page": request.per_page})
            if filters:
                params["filter_by"] = _filter(filters)
            results = self.cluster.multi_search([*counting, {"collection": generation.name, **params}])
            counted, hits = results[:-1], results[-1]["hits"]
            ids = [hit["document"]["id"] for hit in hits]
            stored = self._stored(generation, ids, DISPLAY_FIELDS)
            page = [(stored[doc_id], None) for doc_id in ids if doc_id in stored]
        total = int(counted[0]["found"])
        hits = [self._hit(record, score, query.marks) for record, score in page]
        facets, distinct = faceted(self._counts(counted[1:] or counted[:1]), request)
        return SearchResult(
            request=request,
            total=total,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets,
            facet_values=distinct,
            suggestion=generation.accents.suggest(request.query) if not query.parsed.is_empty else None,
        )

    @staticmethod
    def _hit(stored: dict[str, Any], score: float | None, marks: snippets.Marks) -> Hit:
        return snippets.hit(_document(stored), score, marks)

    def facet(self, request: SearchRequest, name: str, facet_query: str) -> FacetValues:
        """One facet's values under the search ``request`` that contain ``facet_query``."""
        generation = self._generation()
        query = _Query(request.query, generation.abbreviations, generation.fillers)
        searches = self._facet_searches(generation, query.filters, request)
        counted = self.cluster.multi_search(searches)
        counts = self._counts(counted[1:] or counted[:1])
        return facet_values(name, counts[name], request, facet_query)

    def suggest(self, typed: str, limit: int) -> list[Suggestion]:
        """Completions of what was typed so far (see :mod:`search.lexicon.suggestions`)."""
        return self._generation().suggestions.complete(typed, limit)

    def rank(self, query_text: str, limit: int) -> list[tuple[str, float]]:
        """Just the ranking: (id, score) of the best ``limit`` documents, no snippets."""
        generation = self._generation()
        query = _Query(query_text, generation.abbreviations, generation.fillers)
        best, _ = self._answer(generation, query, query.filters, limit, [], "")
        return [(str(stored["id"]), score) for stored, score in best]

    # -- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        stored = self.cluster.retrieve(self._generation().content, doc_id)
        return _document(stored) if stored is not None else None

    def stored_texts(self) -> Iterator[tuple[str, str]]:
        """(id, title and text) of every document, in index order (for baselines)."""
        rows = list(self.cluster.export(self._generation().content, f"id,seq,{fields.TITLE},{fields.BODY}"))
        rows.sort(key=lambda row: int(row.get("seq", 0)))
        for row in rows:
            yield row["id"], f"{row.get(fields.TITLE) or ''}\n{row.get(fields.BODY) or ''}"

    def highlighted(self, document: Document, query_text: str) -> tuple[str, str]:
        """The article's title and text as escaped HTML, the query's words marked."""
        generation = self._generation()
        return planner.mark_document(document, query_text, generation.abbreviations, generation.fillers)


def _document(stored: dict[str, Any]) -> Document:
    return document_of(stored, list(stored.get(fields.DISTRICT) or []))
