"""What the HTML search page shows, computed from one :class:`SearchResult`.

The JSON endpoint renders ``result.to_json()``; the page renders this view of the same
object: links for facets, pages and sorting, carrying the state in the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.results import (
    DEFAULT_FACET_SIZE,
    MAX_FACET_SIZE,
    FacetBucket,
    FacetValues,
    Hit,
    SearchRequest,
    SearchResult,
)
from webui import urls
from webui.formatting import has_diacritics
from webui.schemas import MAX_PAGE

FACET_TITLES = {"district": "Địa phương", "year": "Năm"}
FACET_VISIBLE = 8  # more values fold into a "Xem thêm" disclosure
SORT_LABELS = {"relevance": "Liên quan nhất", "date": "Mới nhất"}


@dataclass(frozen=True)
class FacetLink:
    value: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True)
class FacetView:
    name: str
    title: str
    visible: list[FacetLink]
    more: list[FacetLink] = field(default_factory=list)
    values: int = 0  # distinct values under this search (the page shows the first)
    more_url: str | None = None  # the same page with every value of the facets
    less_url: str | None = None  # back to the first values
    expanded: bool = False
    findable: bool = False  # enough values to offer a box that finds one by typing
    found_query: str = ""  # the text the values were found by (the box, without JavaScript)
    clear_found_url: str | None = None

    @property
    def anchor(self) -> str:
        return f"facet-{self.name}"


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap, shown as an ellipsis
    url: str | None
    current: bool = False


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class HitView:
    href: str
    hit: Hit


@dataclass(frozen=True)
class SearchPage:
    result: SearchResult
    request: SearchRequest
    hits: list[HitView]
    facets: list[FacetView]
    pages: list[PageLink]
    prev_url: str | None
    next_url: str | None
    sort_links: list[SortLink]
    clear_filters_url: str | None
    first_number: int
    suggestion_url: str | None
    accents_hint: bool
    last_page: int = 1  # the last page a reader can open (at most MAX_PAGE)

    @property
    def paged_in_part(self) -> bool:
        """More results than the pages a reader can open hold."""
        return self.result.pages > self.last_page

    @property
    def filtered(self) -> bool:
        return bool(self.request.districts or self.request.years)


def _links(name: str, buckets: list[FacetBucket], request: SearchRequest, base: str) -> list[FacetLink]:
    return [
        FacetLink(b.value, b.count, b.selected, urls.toggle_url(request, name, b.value, base))
        for b in buckets
    ]


def _facet(name: str, result: SearchResult, base: str, found: FacetValues | None) -> FacetView:
    request = result.request
    if found is not None and found.facet == name:
        links = _links(name, found.values, request, base)
        clear = urls.search_url(request, base) + f"#facet-{name}"
        return FacetView(
            name,
            FACET_TITLES[name],
            links,
            values=found.total,
            findable=True,
            found_query=found.facet_query,
            clear_found_url=clear,
        )
    links = _links(name, result.facets.get(name, []), request, base)
    values = result.facet_values.get(name, len(links))
    shown = sum(1 for link in links if link.count)
    expanded = request.facet_size > DEFAULT_FACET_SIZE
    anchor = f"facet-{name}"
    more_url = None
    if values > shown and request.facet_size < MAX_FACET_SIZE:
        more_url = urls.facet_size_url(request, MAX_FACET_SIZE, anchor, base)
    less_url = urls.facet_size_url(request, DEFAULT_FACET_SIZE, anchor, base) if expanded else None
    visible, more = links, []
    if len(links) > FACET_VISIBLE + 2:
        visible = [link for i, link in enumerate(links) if i < FACET_VISIBLE or link.selected]
        more = [link for i, link in enumerate(links) if i >= FACET_VISIBLE and not link.selected]
    return FacetView(
        name,
        FACET_TITLES[name],
        visible,
        more,
        values=values,
        more_url=more_url,
        less_url=less_url,
        expanded=expanded,
        findable=values > DEFAULT_FACET_SIZE,
    )


def _pages(request: SearchRequest, last: int, base: str) -> list[PageLink]:
    return [
        PageLink(n, urls.page_url(request, n, base) if n else None, n == request.page)
        for n in urls.page_window(request.page, last)
    ]


def present(
    result: SearchResult,
    base: str = "/",
    article_base: str = "/articles/",
    found: FacetValues | None = None,
) -> SearchPage:
    """The page's view of ``result``; ``base`` is the search page's path; ``found``: the
    values of one facet that the reader looked for by typing (without JavaScript)."""
    request = result.request
    last = min(result.pages, MAX_PAGE)  # a page past it is refused (400): never linked
    suggestion_url = None
    if result.suggestion:
        suggestion_url = urls.search_url(SearchRequest(query=result.suggestion), base)
    return SearchPage(
        result=result,
        request=request,
        hits=[HitView(urls.article_url(h.id, request.query, article_base), h) for h in result.hits],
        facets=[_facet(name, result, base, found) for name in FACET_TITLES],
        pages=_pages(request, last, base) if last > 1 else [],
        prev_url=urls.page_url(request, request.page - 1, base) if 1 < request.page <= last else None,
        next_url=urls.page_url(request, request.page + 1, base) if request.page < last else None,
        sort_links=[
            SortLink(key, label, urls.sort_url(request, key, base), key == request.sort)
            for key, label in SORT_LABELS.items()
        ],
        clear_filters_url=urls.without_filters_url(request, base)
        if request.districts or request.years
        else None,
        first_number=(request.page - 1) * request.per_page + 1,
        suggestion_url=suggestion_url,
        accents_hint=bool(request.query.strip()) and not has_diacritics(request.query),
        last_page=last,
    )
