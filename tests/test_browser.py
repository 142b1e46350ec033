"""A real browser against a real server: Debian's chromium driven by Playwright, and
``vnsearch serve`` (waitress) on a free loopback port over the seeded index.

These tests fail, never skip, when chromium is missing: CI installs it
(``apt-get install -y chromium``). Screenshots land in screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.live_server import running_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
START_TIMEOUT_S = 60
EMBEDDING_DOC = ROOT / "docs" / "EMBEDDING.md"
TIMEOUT_MS = 15_000


class _OtherSite(BaseHTTPRequestHandler):
    """A page "on another site": the documented fetch() example, aimed at our server."""

    state: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        body = embedding_example(self.state.get("api", "")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def other_site() -> Iterator[dict[str, str]]:
    """A second loopback web server: ``allowed`` is its origin as listed in
    VNSEARCH_CORS_ORIGINS, ``denied`` the same server under an origin not listed."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _OtherSite)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    _OtherSite.state.clear()
    _OtherSite.state.update(allowed=f"http://localhost:{port}", denied=f"http://127.0.0.1:{port}")
    try:
        yield _OtherSite.state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def server(seeded_index: Path, other_site: dict[str, str]) -> Iterator[str]:
    """``vnsearch serve --port 0``: the base URL it prints, until the module's tests end."""
    with running_server(seeded_index, {"VNSEARCH_CORS_ORIGINS": other_site["allowed"]}) as (base, _pid):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` "
            "(the browser tests need Debian's chromium; Playwright's own download does not work here)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page that fails the test on any console error (a CSP violation too)."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def test_query_without_diacritics_highlights_accented_words(server: str, page: Page) -> None:
    page.goto(server)
    expect(page).to_have_title("Tìm kiếm tin bài")
    page.get_by_label("Từ khóa").fill("chuong my")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_url("**/?q=chuong+my")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả cho “chuong my”")
    expect(page.get_by_label("Từ khóa")).to_have_value("chuong my")
    marks = page.locator(".hits mark").all_inner_texts()
    assert "Chương" in marks and "Mỹ" in marks, marks
    first = page.locator(".hit-title a").first
    expect(first).to_have_text("Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục")
    screenshot(page, "results-chuong-my-desktop.png")


def test_district_facet_narrows_the_results(server: str, page: Page) -> None:
    page.goto(server + "?q=")
    expect(page.locator(".hit")).to_have_count(5)
    page.locator(".facet-link", has_text="Tây Hồ").click()
    page.wait_for_url("**/?district=*")
    assert query_of(page.url)["district"] == ["Tây Hồ"]
    expect(page.locator(".hit")).to_have_count(1)
    for district in page.locator(".hit-district").all_inner_texts():
        assert "Tây Hồ" in district
    selected = page.locator(".facet-link.selected")
    expect(selected).to_have_count(1)
    expect(selected).to_have_attribute("aria-current", "true")
    expect(selected).to_contain_text("Tây Hồ")
    selected.click()  # clicking a selected value removes it
    page.wait_for_url(server)
    expect(page.locator(".hit")).to_have_count(5)


def test_paging_forward_and_back(server: str, page: Page) -> None:
    page.goto(server + "?per_page=1")
    first_title = page.locator(".hit-title a").inner_text()
    expect(page.locator(".summary-count")).to_contain_text("Trang 1/5")
    page.get_by_role("link", name="Sau »").click()
    page.wait_for_url("**page=2")
    expect(page.locator(".summary-count")).to_contain_text("Trang 2/5")
    second_title = page.locator(".hit-title a").inner_text()
    assert second_title != first_title
    expect(page.locator('.pagination [aria-current="page"]')).to_have_text("Trang 2")
    page.get_by_role("link", name="Trang 5").click()
    expect(page.locator(".summary-count")).to_contain_text("Trang 5/5")
    expect(page.locator(".pagination .disabled", has_text="Sau »")).to_be_visible()
    page.get_by_role("link", name="« Trước").click()
    expect(page.locator(".summary-count")).to_contain_text("Trang 4/5")


def test_open_an_article_from_the_results(server: str, page: Page) -> None:
    page.goto(server + "?q=chuong+my")
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/articles/000_883de19ce3b78452?q=chuong+my")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục"
    )
    marks = page.locator(".article-body mark").all_inner_texts()
    assert marks.count("Chương") >= 2 and "Mỹ" in marks, marks
    expect(page.locator(".article-meta")).to_contain_text("Chương Mỹ")
    screenshot(page, "article-desktop.png")
    page.get_by_role("link", name="« Quay lại kết quả cho “chuong my”").click()
    page.wait_for_url("**/?q=chuong+my")


def test_skip_link_is_the_first_stop_for_the_keyboard(server: str, page: Page) -> None:
    page.goto(server)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is on screen"


def test_empty_result_page(server: str, page: Page) -> None:
    page.goto(server + "?q=xyzzy+quux&district=T%C3%A2y+H%E1%BB%93")
    expect(page.locator(".empty")).to_contain_text("Không tìm thấy bài viết nào")
    expect(page.locator(".empty")).to_contain_text("Không bắt buộc gõ dấu")
    screenshot(page, "empty-desktop.png")
    page.get_by_role("link", name="Tìm lại trong tất cả bài viết (bỏ bộ lọc)").click()
    page.wait_for_url("**/?q=xyzzy+quux")


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_result_page_fits_the_screen(
    server: str, browser: Browser, name: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(server + "?q=lao+dong+cong+doan")
        expect(page.locator(".hit").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"horizontal scroll at {viewport['width']} px: {width} px"
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Noto Sans" in font and "sans-serif" in font
        screenshot(page, f"results-{name}.png")
        screenshot(page, f"results-{name}-screen.png", full_page=False)  # what shows first
        page.goto(server + "articles/001_87ea7937df2d375c?q=phu+xuyen")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"article: horizontal scroll at {viewport['width']} px"
        screenshot(page, f"article-{name}.png")
        screenshot(page, f"article-{name}-screen.png", full_page=False)
    finally:
        context.close()


def embedding_example(api: str) -> str:
    """The fetch() example of docs/EMBEDDING.md, pointed at ``api``."""
    block = re.search(r"```html\n(.*?)```", EMBEDDING_DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/EMBEDDING.md has no html example"
    html = block.group(1)
    assert 'const API = "https://search.example.vn";' in html
    return "<!doctype html><meta charset=utf-8>" + html.replace("https://search.example.vn", api.rstrip("/"))


def test_the_documented_fetch_example_works_from_another_origin(
    server: str, other_site: dict[str, str], page: Page
) -> None:
    other_site["api"] = server
    page.goto(f"{other_site['allowed']}/embed.html")
    page.get_by_label("Tìm kiếm").fill("chuong my")
    page.get_by_role("button", name="Tìm").click()
    item = page.locator("#vn-results li")
    expect(item).to_have_count(1)
    expect(item.locator("a")).to_have_text(
        "Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục"
    )
    assert "Chương" in item.locator("mark").all_inner_texts()


def test_an_origin_not_allowed_cannot_read_the_api(
    server: str, other_site: dict[str, str], browser: Browser
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{other_site['denied']}/embed.html")  # same site, but an origin not on the list
        outcome = page.evaluate(
            "url => fetch(url).then(() => 'read', () => 'blocked')", server + "api/search?q=chuong+my"
        )
        assert outcome == "blocked"
    finally:
        context.close()


# -- facets at archive scale: more values than fit, found by typing ------------------------------
MANY_DISTRICTS = [f"Huyện Số {n:02d}" for n in range(1, 24)] + [
    "Châu Thành, Tiền Giang",
    "Châu Thành, Bến Tre",
]


@pytest.fixture(scope="module")
def facet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over articles from 25 districts: more than a facet shows at first."""
    from search.backends.local.indexer import build_index
    from tests.exports import write_export

    folder = tmp_path_factory.mktemp("districts")
    records = [
        {"id": f"d{i:02d}", "title": f"Tin công đoàn số {i}", "text": "Công đoàn chăm lo.", "district": name}
        for i, name in enumerate(MANY_DISTRICTS)
    ]
    records.append(
        {"id": "d99", "title": "Tin công đoàn", "text": "Lần nữa.", "district": MANY_DISTRICTS[-1]}
    )
    build_index([write_export(folder / "d.jsonl", records)], folder / "index", workers=1)
    with running_server(folder / "index") as (base, _pid):
        yield base


def test_facet_box_finds_a_district_by_typing_without_accents(facet_server: str, page: Page) -> None:
    page.goto(facet_server + "?q=cong+doan")
    district = page.locator("#facet-district")
    expect(district.locator(".facet-total")).to_have_text("(25)")
    expect(district.locator(".facet-link:visible")).to_have_count(10)
    expect(district.get_by_role("link", name="Xem tất cả 25 giá trị")).to_be_visible()
    district.get_by_placeholder("Tìm địa phương…").press_sequentially("chau thanh", delay=30)
    found = district.locator(".facet-found-values .facet-link")
    expect(found).to_have_count(2)
    expect(district.locator(".facet-link:visible")).to_have_count(2)  # the first values make way
    expect(found.first).to_contain_text("Châu Thành, Bến Tre")  # the most frequent first
    expect(district.locator(".facet-found-values .facet-found")).to_have_text("2 giá trị có “chau thanh”")
    screenshot(page, "facet-find-desktop.png")
    found.filter(has_text="Tiền Giang").click()
    page.wait_for_url("**district=*")
    assert query_of(page.url)["district"] == ["Châu Thành, Tiền Giang"]
    assert query_of(page.url)["q"] == ["cong doan"]
    expect(page.locator(".hit")).to_have_count(1)
    expect(page.locator(".facet-link.selected")).to_contain_text("Châu Thành, Tiền Giang")
    district.get_by_placeholder("Tìm địa phương…").press_sequentially("xyz", delay=30)
    expect(district.locator(".facet-found")).to_have_text("0 giá trị có “xyz”")
    district.get_by_placeholder("Tìm địa phương…").press("Escape")  # back to the first values
    expect(district.locator(".facet-link:visible")).to_have_count(10)


def test_facet_more_and_find_work_without_javascript(facet_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(facet_server + "?q=cong+doan")
        district = page.locator("#facet-district")
        district.get_by_role("link", name="Xem tất cả 25 giá trị").click()
        page.wait_for_url("**facet_size=1000*")
        expect(district.locator(".facet-link:visible")).to_have_count(25)
        expect(district.get_by_role("link", name="Thu gọn")).to_be_visible()
        screenshot(page, "facet-all-nojs-desktop.png")
        district.get_by_placeholder("Tìm địa phương…").fill("chau thanh")
        district.get_by_role("button", name="Tìm").click()
        page.wait_for_url("**facet_q=*")
        expect(district.locator(".facet-link")).to_have_count(2)
        expect(district.locator(".facet-found")).to_contain_text("2 giá trị có “chau thanh”")
        district.locator(".facet-link", has_text="Bến Tre").click()
        expect(page.locator(".hit")).to_have_count(2)
        assert query_of(page.url)["district"] == ["Châu Thành, Bến Tre"]
        assert "facet_q" not in query_of(page.url)
    finally:
        context.close()


# -- suggestions as you type ------------------------------------------------------------------------
def test_the_search_box_suggests_and_the_keyboard_picks(server: str, page: Page) -> None:
    page.goto(server)
    box = page.get_by_label("Từ khóa")
    box.press_sequentially("chuong m", delay=40)
    options = page.get_by_role("option")
    expect(options.first).to_have_text("Chương Mỹ")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first.locator("mark")).to_have_text("Chương M")  # the typed part
    screenshot(page, "suggestions-desktop.png", full_page=False)
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "q-suggestions-0")
    box.press("Enter")
    page.wait_for_url("**/?q=*")
    assert query_of(page.url)["q"] == ["Chương Mỹ"]
    expect(page.locator(".hit-title a").first).to_have_text(
        "Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục"
    )


def test_escape_closes_the_suggestions_and_the_mouse_picks(server: str, page: Page) -> None:
    page.goto(server)
    box = page.get_by_label("Từ khóa")
    box.press_sequentially("lien doan l", delay=40)
    option = page.get_by_role("option").filter(has_text="Liên đoàn Lao động").first
    expect(option).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Backspace")
    box.press_sequentially("l", delay=40)
    page.get_by_role("option").filter(has_text="Liên đoàn Lao động").first.click()
    page.wait_for_url("**/?q=*")
    assert query_of(page.url)["q"][0].startswith("Liên đoàn Lao động")


def test_the_search_box_works_without_javascript(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server)
        box = page.get_by_label("Từ khóa")
        expect(box).not_to_have_attribute("role", "combobox")  # a plain box: nothing promised
        box.fill("chuong my")
        box.press("Enter")
        page.wait_for_url("**/?q=chuong+my")
        expect(page.locator(".hit")).to_have_count(1)
    finally:
        context.close()
