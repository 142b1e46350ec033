"""The HTML pages on the real seed index, and the pure helpers behind them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from search.results import FacetBucket, SearchRequest, SearchResult
from webui import formatting, urls
from webui.presenter import FACET_VISIBLE, present
from webui.security import parse_origins

CHUONG_MY = "000_883de19ce3b78452"


class Links(HTMLParser):
    """Every <a>: its attributes and its visible text (skipping visually-hidden spans)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None
        self._hidden_depth = 0
        self.marks: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "a":
            self._open = {**attributes, "text": ""}
        elif tag == "span" and "visually-hidden" in attributes.get("class", ""):
            self._hidden_depth += 1
        elif tag == "mark":
            self._in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self._open["text"] = " ".join(self._open["text"].split())
            self.links.append(self._open)
            self._open = None
        elif tag == "span" and self._hidden_depth:
            self._hidden_depth -= 1
        elif tag == "mark":
            self._in_mark = False

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._hidden_depth:
            self._open["text"] += data
        if self._in_mark:
            self.marks[-1] += data


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def link(html: str, text: str, **attributes: str) -> dict[str, str]:
    """The one link whose visible text is ``text``, or starts with it and a space (a facet
    value and its count), and has these attributes."""
    found = [
        a
        for a in parse(html).links
        if (a["text"] == text or a["text"].startswith(text + " "))
        and all(a.get(k) == v for k, v in attributes.items())
    ]
    assert len(found) == 1, (text, [a["text"] for a in parse(html).links])
    return found[0]


def get_html(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def hit_links(html: str) -> list[dict[str, str]]:
    return [a for a in parse(html).links if a["href"].startswith("/articles/")]


# -- the search page ----------------------------------------------------------------------------
def test_search_page_is_vietnamese_and_keeps_the_query(client: FlaskClient) -> None:
    html = get_html(client, "/?q=chuong+my")
    assert '<html lang="vi">' in html
    assert '<label for="q"' in html
    assert 'id="q" name="q" type="search" value="chuong my"' in html
    assert "Kết quả cho “chuong my”" in html
    assert "Tìm thấy <strong>1</strong> kết quả" in html
    assert "giây" in html  # time taken


def test_search_page_has_landmarks_skip_link_and_no_inline_code(client: FlaskClient) -> None:
    html = get_html(client, "/")
    for landmark in ("<header", "<main", "<nav", "<aside", 'role="search"'):
        assert landmark in html, landmark
    assert 'href="#main"' in html and 'id="main"' in html
    scripts = re.findall(r"<script[^>]*>", html)  # the CSP forbids inline code: files only
    assert all(re.search(r' src="/static/[\w.]+"', tag) for tag in scripts), scripts
    assert "style=" not in html


def test_hits_link_to_articles_with_the_query_and_show_highlights(client: FlaskClient) -> None:
    html = get_html(client, "/?q=chuong+my")
    hits = hit_links(html)
    assert hits[0]["href"] == f"/articles/{CHUONG_MY}?q=chuong+my"
    assert hits[0]["text"] == "Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục"
    assert "<mark>Chương</mark> <mark>Mỹ</mark>" in html
    assert '<span class="hit-district">Chương Mỹ</span>' in html
    assert "Năm 2022" in html


def test_empty_query_shows_the_latest_articles(client: FlaskClient) -> None:
    html = get_html(client, "/")
    assert "Bài viết mới nhất" in html
    assert len(hit_links(html)) == 5
    assert '<time datetime="2020-08-31T21:06:00">21:06, 31/08/2020</time>' in html


def test_facet_link_adds_then_removes_a_district(client: FlaskClient) -> None:
    start = get_html(client, "/?q=")
    add = link(start, "Tây Hồ", **{"class": "facet-link"})
    assert add["href"] == "/?district=T%C3%A2y+H%E1%BB%93"
    assert "aria-current" not in add

    filtered = get_html(client, add["href"])
    assert [a["href"] for a in hit_links(filtered)] == ["/articles/003_9116d0a3ed22fadd"]
    remove = link(filtered, "Tây Hồ", **{"class": "facet-link selected"})
    assert remove["aria-current"] == "true"
    assert remove["href"] == "/"
    assert "(đang chọn, bấm để bỏ)" in filtered
    assert 'type="hidden" name="district" value="Tây Hồ"' in filtered  # a new query keeps the filter

    # a second value of the same facet is added (OR), not swapped
    both = link(filtered, "Phú Xuyên", **{"class": "facet-link"})
    assert both["href"] == "/?district=T%C3%A2y+H%E1%BB%93&district=Ph%C3%BA+Xuy%C3%AAn"
    assert len(hit_links(get_html(client, both["href"]))) == 2

    assert len(hit_links(get_html(client, remove["href"]))) == 5


def test_year_facet_and_clear_all_filters(client: FlaskClient) -> None:
    html = get_html(client, "/?q=&district=T%C3%A2y+H%E1%BB%93&year=2020")
    assert link(html, "2020", **{"class": "facet-link selected"})["href"] == "/?district=T%C3%A2y+H%E1%BB%93"
    assert link(html, "Bỏ tất cả bộ lọc")["href"] == "/"


def test_pagination_links(client: FlaskClient) -> None:
    first = get_html(client, "/?per_page=2")
    assert 'aria-label="Phân trang"' in first
    assert link(first, "Sau", rel="next")["href"] == "/?per_page=2&page=2"
    assert link(first, "2")["href"] == "/?per_page=2&page=2"
    assert link(first, "3")["href"] == "/?per_page=2&page=3"
    assert link(first, "1", **{"aria-current": "page"})["href"] == "/?per_page=2"
    assert "Trang 1/3" in first

    last = get_html(client, "/?per_page=2&page=3")
    assert link(last, "« Trước", rel="prev")["href"] == "/?per_page=2&page=2"
    assert not [a for a in parse(last).links if a.get("rel") == "next"]
    assert len(hit_links(last)) == 1
    assert '<ol class="hits" start="5">' in last


def test_page_past_the_end_says_so(client: FlaskClient) -> None:
    html = get_html(client, "/?per_page=2&page=9")
    assert "Trang 9 không có kết quả: chỉ có 3 trang." in html
    assert not hit_links(html)


def test_sort_links(client: FlaskClient) -> None:
    html = get_html(client, "/?q=lao+%C4%91%E1%BB%99ng")
    assert link(html, "Liên quan nhất")["aria-current"] == "true"
    by_date = link(html, "Mới nhất")["href"]
    assert by_date == "/?q=lao+%C4%91%E1%BB%99ng&sort=date"
    assert link(get_html(client, by_date), "Mới nhất")["aria-current"] == "true"


def test_empty_result_page_helps(client: FlaskClient) -> None:
    html = get_html(client, "/?q=xyzzy+quux&district=T%C3%A2y+H%E1%BB%93")
    assert "Không tìm thấy bài viết nào cho “xyzzy quux”." in html
    assert link(html, "Tìm lại trong tất cả bài viết")["href"] == "/?q=xyzzy+quux"
    assert "Không bắt buộc gõ dấu" in html  # the query has no diacritics
    accented = get_html(client, "/?q=%C4%91%C3%A2u+%C4%91%C3%B3+kh%C3%B4ng+c%C3%B3")  # "đâu đó không có"
    assert "Không bắt buộc gõ dấu" not in accented


def test_hostile_input_is_escaped(client: FlaskClient) -> None:
    html = get_html(client, "/?q=%3Cscript%3Ealert(1)%3C/script%3E&district=%3Cimg+src=x+onerror=alert(2)%3E")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_bad_parameters_get_a_vietnamese_400_page(client: FlaskClient) -> None:
    html = get_html(client, "/?page=abc", status=400)
    assert '<html lang="vi">' in html
    assert "Yêu cầu không hợp lệ" in html and "Số trang không hợp lệ." in html
    assert "Traceback" not in html
    assert "Năm không hợp lệ." in get_html(client, "/?year=20x0", status=400)


def test_unknown_page_gets_a_vietnamese_404(client: FlaskClient) -> None:
    assert "Không tìm thấy trang" in get_html(client, "/no/such/page", status=404)
    assert "Không tìm thấy trang" in get_html(client, "/articles/no-such-id", status=404)


def test_a_suggestion_is_offered(app: Flask) -> None:
    result = SearchResult(
        request=SearchRequest(query="chuong mi"),
        total=0,
        took_ms=1.0,
        hits=[],
        facets={"district": [], "year": []},
        suggestion="chương mỹ",
    )
    with app.test_request_context("/?q=chuong+mi"):
        html = render_template("search.html", page=present(result))
    assert 'Có phải bạn muốn tìm: <a href="/?q=ch%C6%B0%C6%A1ng+m%E1%BB%B9">chương mỹ</a>' in html


def test_long_facets_fold_the_rest_but_keep_selected_values_visible() -> None:
    buckets = [FacetBucket(f"Huyện {n:02d}", 20 - n, n == 15) for n in range(14)]
    buckets.append(FacetBucket("Huyện 15", 0, True))
    request = SearchRequest(districts=("Huyện 15",))
    result = SearchResult(request, 100, 1.0, [], {"district": buckets, "year": []})
    facet = present(result).facets[0]
    assert [link.value for link in facet.visible] == [f"Huyện {n:02d}" for n in range(FACET_VISIBLE)] + [
        "Huyện 15"
    ]
    assert len(facet.more) == 14 - FACET_VISIBLE
    assert not any(link.selected for link in facet.more)


# -- the article page -----------------------------------------------------------------------------
def test_article_page_highlights_the_query(client: FlaskClient) -> None:
    html = get_html(client, f"/articles/{CHUONG_MY}?q=chuong+my")
    assert "<title>Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục" in html
    marks = parse(html).marks
    assert marks.count("Chương") >= 2 and "Mỹ" in marks
    assert all(m.lower() in {"chương", "mỹ"} for m in marks)
    assert link(html, "« Quay lại kết quả")["href"] == "/?q=chuong+my"
    assert 'value="chuong my"' in html
    assert link(html, "Chương Mỹ")["href"] == "/?district=Ch%C6%B0%C6%A1ng+M%E1%BB%B9"


def test_article_page_without_query_has_no_highlight(client: FlaskClient) -> None:
    html = get_html(client, f"/articles/{CHUONG_MY}")
    assert "<mark>" not in html
    assert html.count("<p>") > 3  # paragraphs kept
    assert "Liên đoàn Lao động (LĐLĐ) huyện Chương Mỹ" in html


def test_article_page_escapes_a_hostile_query(client: FlaskClient) -> None:
    html = get_html(client, f"/articles/{CHUONG_MY}?q=%3Cb%3Echuong%3C/b%3E")
    assert "<b>chuong</b>" not in html and "&lt;b&gt;chuong&lt;/b&gt;" in html


# -- pure helpers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
        (50, 100, [1, None, 48, 49, 50, 51, 52, None, 100]),
    ],
)
def test_page_window(current: int, last: int, expected: list[int | None]) -> None:
    assert urls.page_window(current, last) == expected


@pytest.mark.parametrize(
    ("request_", "facet", "value", "expected"),
    [
        (SearchRequest(), "district", "Tây Hồ", "/?district=T%C3%A2y+H%E1%BB%93"),
        (SearchRequest(districts=("Tây Hồ",)), "district", "Tây Hồ", "/"),
        (SearchRequest(query="a", page=3), "year", "2020", "/?q=a&year=2020"),
        (SearchRequest(years=(2020, 2022)), "year", "2020", "/?year=2022"),
        (SearchRequest(sort="date", per_page=5), "year", "2024", "/?year=2024&sort=date&per_page=5"),
    ],
)
def test_toggle_url(request_: SearchRequest, facet: str, value: str, expected: str) -> None:
    assert urls.toggle_url(request_, facet, value) == expected


def test_article_url_quotes_the_id() -> None:
    assert urls.article_url("a b/c", "chương") == "/articles/a%20b%2Fc?q=ch%C6%B0%C6%A1ng"
    assert urls.article_url("x") == "/articles/x"


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2020-08-31T21:06:00", "21:06, 31/08/2020"),
        ("2020-08-31", "31/08/2020"),
        (None, ""),
        ("around 2020", "around 2020"),
    ],
)
def test_vi_date(iso: str | None, shown: str) -> None:
    assert formatting.vi_date(iso) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chuong my", False),
        ("Chương Mỹ", True),
        ("Chu\u031bo\u031bng", True),  # decomposed
        ("dan", False),
        ("đan", True),
        ("ĐẠI", True),
        ("LDLD 2020", False),
    ],
)
def test_has_diacritics(text: str, expected: bool) -> None:
    assert formatting.has_diacritics(text) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://laodongthudo.vn/a.html", "https://laodongthudo.vn/a.html"),
        ("http://x.vn", "http://x.vn"),
        ("javascript:alert(1)", None),
        ("//evil.example", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_link(url: str | None, expected: str | None) -> None:
    assert formatting.safe_link(url) == expected


def test_numbers_and_seconds_in_vietnamese_style() -> None:
    assert formatting.vi_number(1234567) == "1.234.567"
    assert formatting.vi_seconds(123.4) == "0,12 giây"
    assert formatting.vi_seconds(1234.5) == "1,23 giây"
    assert formatting.vi_seconds(2.5) == "dưới 0,01 giây"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        (None, []),
        ("https://a.vn", ["https://a.vn"]),
        (" https://a.vn/ , https://b.vn,, ", ["https://a.vn", "https://b.vn"]),
        (["https://a.vn"], ["https://a.vn"]),
    ],
)
def test_parse_origins(value: str | list[str] | None, expected: list[str]) -> None:
    assert parse_origins(value) == expected


def test_the_pager_offers_only_the_pages_a_reader_can_open(app: Flask) -> None:
    """10,206 results are 1,021 pages of 10, but a page past MAX_PAGE is refused (400):
    the pager ends at it, says so, and links nowhere beyond."""
    from webui.presenter import SearchPage
    from webui.schemas import MAX_PAGE

    def page(number: int) -> tuple[SearchPage, str]:
        request = SearchRequest(query="công đoàn", sort="date", page=number)
        view = present(SearchResult(request, 10_206, 1.0, [], {"district": [], "year": []}))
        with app.test_request_context("/"):
            return view, render_template("search.html", page=view)

    view, html = page(300)
    assert [link.number for link in view.pages][-1] == MAX_PAGE
    assert f"Trang 300/{formatting.vi_number(MAX_PAGE)}" in html
    assert "Chỉ xem được" in html
    view, html = page(MAX_PAGE)
    assert view.next_url is None
    linked = [int(n) for n in re.findall(r"page=(\d+)", html)]
    assert linked and max(linked) == MAX_PAGE
    small = present(SearchResult(SearchRequest(query="x", page=2), 25, 1.0, [], {"district": [], "year": []}))
    assert small.last_page == 3 and not small.paged_in_part
