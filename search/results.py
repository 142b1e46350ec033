"""What a search asks and answers: plain data, rendered once as HTML and once as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 1000


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

    def __post_init__(self) -> None:
        if self.page < 1:
            raise BadRequest("page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadRequest(f"per_page must be between 1 and {MAX_PER_PAGE}")
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
    title_html: str = ""  # the title, escaped, with matches in <mark>

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("title_html")
        return data


@dataclass(frozen=True)
class FacetBucket:
    value: str
    count: int
    selected: bool

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies, and a district facet has hundreds of
        # buckets (that was over half the CPU of an API request at 36k articles).
        return {"value": self.value, "count": self.count, "selected": self.selected}


def facet_buckets(name: str, counts: dict[str, int], selected: set[str]) -> list[FacetBucket]:
    """A facet's buckets: every value counted, and every selected one (even at 0, so it
    can be unselected); years newest first, other facets by count, then by name."""
    buckets = [FacetBucket(v, counts.get(v, 0), v in selected) for v in set(counts) | selected]
    if name == "year":
        buckets.sort(key=lambda b: b.value, reverse=True)
    else:
        buckets.sort(key=lambda b: (-b.count, b.value))
    return buckets


@dataclass(frozen=True)
class SearchResult:
    request: SearchRequest
    total: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]]
    suggestion: str | None = None

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
            "suggestion": self.suggestion,
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
