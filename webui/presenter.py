"""What the HTML search page shows, computed from one :class:`SearchResult`.

The JSON endpoint renders ``result.to_json()``; the page renders this view of the same
object: links for facets, pages and sorting, carrying the state in the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.results import Hit, SearchRequest, SearchResult
from webui import urls
from webui.formatting import has_diacritics

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

    @property
    def filtered(self) -> bool:
        return bool(self.request.districts or self.request.years)


def _facet(name: str, result: SearchResult, base: str) -> FacetView:
    links = [
        FacetLink(b.value, b.count, b.selected, urls.toggle_url(result.request, name, b.value, base))
        for b in result.facets.get(name, [])
    ]
    if len(links) <= FACET_VISIBLE + 2:
        return FacetView(name, FACET_TITLES[name], links)
    visible = [link for i, link in enumerate(links) if i < FACET_VISIBLE or link.selected]
    more = [link for i, link in enumerate(links) if i >= FACET_VISIBLE and not link.selected]
    return FacetView(name, FACET_TITLES[name], visible, more)


def _pages(request: SearchRequest, last: int, base: str) -> list[PageLink]:
    return [
        PageLink(n, urls.page_url(request, n, base) if n else None, n == request.page)
        for n in urls.page_window(request.page, last)
    ]


def present(result: SearchResult, base: str = "/", article_base: str = "/articles/") -> SearchPage:
    """The page's view of ``result``; ``base`` is the search page's path."""
    request = result.request
    last = result.pages
    suggestion_url = None
    if result.suggestion:
        suggestion_url = urls.search_url(SearchRequest(query=result.suggestion), base)
    return SearchPage(
        result=result,
        request=request,
        hits=[HitView(urls.article_url(h.id, request.query, article_base), h) for h in result.hits],
        facets=[_facet(name, result, base) for name in FACET_TITLES],
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
    )
