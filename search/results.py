"""What a search asks and answers: plain data, rendered once as HTML and once as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Literal

from search import fields
from search.text import fold

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 1000
DEFAULT_FACET_SIZE = 10
MAX_FACET_SIZE = 1000
FACETS = ("district", "year")
DateKind = Literal["published", "inferred"]


class BadRequest(ValueError):
    """The request cannot be answered as asked; the message says why, for the user."""


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    districts: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    page: int = 1
    per_page: int = 10
    sort: Sort = "relevance"
    facet_size: int = DEFAULT_FACET_SIZE  # values per facet: the most frequent, and the selected
    prefix: bool = False  # the last word is the start of a word ("chuong m" finds "Chương Mỹ")

    def __post_init__(self) -> None:
        if self.page < 1:
            raise BadRequest("page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadRequest(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if not 1 <= self.facet_size <= MAX_FACET_SIZE:
            raise BadRequest(f"facet_size must be between 1 and {MAX_FACET_SIZE}")
        if self.sort not in SORTS:
            raise BadRequest(f"sort must be one of: {', '.join(SORTS)}")
        if len(self.query) > MAX_QUERY_CHARS:
            raise BadRequest(f"the query is longer than {MAX_QUERY_CHARS} characters")


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    snippet: str  # HTML: text escaped, matches in <mark>
    url: str | None
    district: list[str]
    year: int | None
    date: str | None
    score: float | None  # None when sorted by date
    date_kind: DateKind | None = None  # is ``date`` the publication date, or ``year`` a guess?
    # Makes :attr:`title_html` when it is first read: the site shows it, the JSON API does
    # not (marking every hit's title cost 4 % of a search's CPU, for nothing in the API)
    marked_title: Callable[[], str] = field(default=lambda: "", compare=False, repr=False)

    @cached_property
    def title_html(self) -> str:
        """The title, escaped, with the query's words in <mark> ("" when not marked)."""
        return self.marked_title()

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict, which deep-copies (a third of encoding a response).
        return {
            "id": self.id,
            "title": self.title,
            "snippet": self.snippet,
            "url": self.url,
            "district": list(self.district),
            "year": self.year,
            "date": self.date,
            "score": self.score,
            "date_kind": self.date_kind,
        }


@dataclass(frozen=True)
class FacetBucket:
    value: str
    count: int
    selected: bool

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict, which deep-copies: this runs for every bucket of every
        # response.
        return {"value": self.value, "count": self.count, "selected": self.selected}


def year_of(value: object) -> int | None:
    """A stored year ("2020", 2020) as an integer; None when there is none."""
    return int(str(value)) if value is not None and str(value).isdigit() else None


def document_of(stored: Mapping[str, Any], districts: list[str]) -> Document:
    """The :class:`Document` of an article as a backend stores it (the backend splits
    the districts: the local one keeps them in one field, Typesense as a list)."""
    return Document(
        id=stored[fields.ID_FIELD],
        title=stored.get(fields.TITLE) or "",
        body=stored.get(fields.BODY) or "",
        url=stored.get(fields.URL),
        district=districts,
        year=year_of(stored.get(fields.YEAR)),
        date=stored.get(fields.DATE_ISO),
        author=stored.get(fields.AUTHOR),
    )


def date_kind(date_iso: str | None, year: int | None) -> DateKind | None:
    """Whether a document's date is its publication date, or only its year was inferred."""
    if date_iso:
        return "published"
    return "inferred" if year is not None else None


def facet_buckets(
    name: str, counts: dict[str, int], selected: set[str], size: int = MAX_FACET_SIZE
) -> list[FacetBucket]:
    """A facet's buckets: the ``size`` most frequent values (ties by name), and every
    selected one even beyond them or at 0 (so it can be unselected); years are shown
    newest first, other facets by count, then by name."""
    top = sorted(counts, key=lambda v: (-counts[v], v))[:size]
    shown = dict.fromkeys([*top, *sorted(selected)])
    buckets = [FacetBucket(v, counts.get(v, 0), v in selected) for v in shown]
    if name == "year":
        buckets.sort(key=lambda b: b.value, reverse=True)
    else:
        buckets.sort(key=lambda b: (-b.count, b.value))
    return buckets


def matching_values(counts: dict[str, int], facet_query: str) -> dict[str, int]:
    """The values whose name contains ``facet_query``, accents and case ignored
    ("chau thanh" finds "Châu Thành, Tiền Giang")."""
    wanted = " ".join(fold(facet_query.lower()).split())
    return {v: n for v, n in counts.items() if wanted in " ".join(fold(v.lower()).split())}


def faceted(
    counts: dict[str, dict[str, int]], request: SearchRequest, distinct: dict[str, int] | None = None
) -> tuple[dict[str, list[FacetBucket]], dict[str, int]]:
    """Each facet's buckets as a search answers them (at most ``request.facet_size``
    values, and the selected ones), and how many distinct values each has (``distinct``
    when ``counts`` holds only the values shown)."""
    selected = {"district": set(request.districts), "year": {str(y) for y in request.years}}
    buckets = {name: facet_buckets(name, counts[name], selected[name], request.facet_size) for name in FACETS}
    return buckets, distinct or {name: len(counts[name]) for name in FACETS}


def facet_values(name: str, counts: dict[str, int], request: SearchRequest, facet_query: str) -> FacetValues:
    """The answer of ``/api/facets/<name>``: values matching ``facet_query`` (selected or
    not), the most frequent first."""
    selected = set(request.districts) if name == "district" else {str(y) for y in request.years}
    found = matching_values(counts, facet_query)
    chosen = sorted(found, key=lambda v: (-found[v], v))[: request.facet_size]
    values = [FacetBucket(v, found[v], v in selected) for v in chosen]
    return FacetValues(name, facet_query, values, len(found))


@dataclass(frozen=True)
class FacetValues:
    """The answer of ``/api/facets/<name>``: one facet's values under a search."""

    facet: str
    facet_query: str
    values: list[FacetBucket]
    total: int  # distinct values that match ``facet_query`` (``values`` holds at most facet_size)

    def to_json(self) -> dict[str, Any]:
        return {
            "facet": self.facet,
            "facet_q": self.facet_query,
            "values": [b.to_json() for b in self.values],
            "total": self.total,
        }


@dataclass(frozen=True)
class SearchResult:
    request: SearchRequest
    total: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]]
    suggestion: str | None = None
    facet_values: dict[str, int] = field(default_factory=dict)  # distinct values of each facet
    # Of ``total``, the results that have only some of the query's words, ranked after
    # the others: there were too few with enough of them (search.query.matching).
    partial: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of ``/api/search`` and ``vnsearch search --json``."""
        return {
            "query": self.request.query,
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "took_ms": round(self.took_ms, 2),
            "hits": [hit.to_json() for hit in self.hits],
            "facets": {name: [b.to_json() for b in buckets] for name, buckets in self.facets.items()},
            "facet_values": self.facet_values,
            "suggestion": self.suggestion,
            "partial": self.partial,
        }


@dataclass(frozen=True)
class Document:
    """One stored article, for the article page and ``/api/documents/<id>``."""

    id: str
    title: str
    body: str
    url: str | None
    district: list[str]
    year: int | None
    date: str | None
    author: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
