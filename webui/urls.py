"""Links that carry the whole search state in the URL (bookmarkable, no JavaScript)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote, urlencode

from search.results import DEFAULT_FACET_SIZE, SearchRequest
from webui.schemas import DEFAULT_PER_PAGE


def query_pairs(request: SearchRequest) -> list[tuple[str, str]]:
    """The request as query-string pairs, leaving out default values."""
    pairs: list[tuple[str, str]] = []
    if request.query:
        pairs.append(("q", request.query))
    pairs += [("district", d) for d in request.districts]
    pairs += [("year", str(y)) for y in request.years]
    if request.sort != "relevance":
        pairs.append(("sort", request.sort))
    if request.per_page != DEFAULT_PER_PAGE:
        pairs.append(("per_page", str(request.per_page)))
    if request.facet_size != DEFAULT_FACET_SIZE:
        pairs.append(("facet_size", str(request.facet_size)))
    if request.prefix:
        pairs.append(("prefix", "true"))
    if request.page != 1:
        pairs.append(("page", str(request.page)))
    return pairs


def search_url(request: SearchRequest, base: str = "/") -> str:
    """``base`` with the request's state as its query string."""
    pairs = query_pairs(request)
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _toggled(values: tuple, value: object) -> tuple:
    return tuple(v for v in values if v != value) if value in values else (*values, value)


def toggle_url(request: SearchRequest, facet: str, value: str, base: str = "/") -> str:
    """Add ``value`` to the facet's selection, or remove it when already selected;
    always back to page 1."""
    if facet == "district":
        changed = replace(request, districts=_toggled(request.districts, value), page=1)
    elif facet == "year":
        changed = replace(request, years=_toggled(request.years, int(value)), page=1)
    else:
        raise ValueError(f"unknown facet: {facet}")
    return search_url(changed, base)


def facet_size_url(request: SearchRequest, size: int, anchor: str, base: str = "/") -> str:
    """The same page with ``size`` values per facet, scrolled to the facet ``anchor``."""
    return f"{search_url(replace(request, facet_size=size), base)}#{anchor}"


def page_url(request: SearchRequest, page: int, base: str = "/") -> str:
    return search_url(replace(request, page=page), base)


def sort_url(request: SearchRequest, sort: str, base: str = "/") -> str:
    return search_url(replace(request, sort=sort, page=1), base)  # type: ignore[arg-type]


def without_filters_url(request: SearchRequest, base: str = "/") -> str:
    return search_url(replace(request, districts=(), years=(), page=1), base)


def article_url(doc_id: str, query: str = "", base: str = "/articles/") -> str:
    """The article page; with the query, so its words are highlighted there."""
    url = base + quote(doc_id, safe="")
    return f"{url}?{urlencode({'q': query})}" if query else url


def page_window(current: int, last: int, radius: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and ``radius`` around ``current``;
    ``None`` stands for a gap (rendered as an ellipsis)."""
    if last <= 1:
        return [1]
    shown = {1, last, *range(max(1, current - radius), min(last, current + radius) + 1)}
    window: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous == 2:
            window.append(number - 1)  # a gap of one page: show it rather than "…"
        elif number - previous > 2:
            window.append(None)
        window.append(number)
        previous = number
    return window
