"""Searching the real seed index: what a Vietnamese reader expects."""

from __future__ import annotations

import re

import pytest

from search.backends.local.engine import LocalEngine
from search.engine import Engine
from search.lexicon.abbreviations import Abbreviations
from search.query.planner import parse
from search.results import BadRequest, SearchRequest

CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"
LAM_DONG = "002_580145f5ab2b21f1"
TAY_HO = "003_9116d0a3ed22fadd"


def ids(engine: Engine, query: str, **kwargs) -> list[str]:
    return [hit.id for hit in engine.search(SearchRequest(query=query, **kwargs)).hits]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("chuong my", CHUONG_MY),
        ("Chương Mỹ", CHUONG_MY),
        ("CHƯƠNG MỸ", CHUONG_MY),
        ("nha cong vu giao vien", LAM_DONG),
        ("nhà công vụ giáo viên", LAM_DONG),
        ("tay ho", TAY_HO),
        ("lam dong", LAM_DONG),
    ],
)
def test_the_right_article_comes_first(engine: Engine, query: str, first: str) -> None:
    assert ids(engine, query)[0] == first


def test_phu_xuyen_finds_exactly_one_article(engine: Engine) -> None:
    # every article mentions some "Phú" (Trần Phú...), only one is about Phú Xuyên
    assert ids(engine, "Phú Xuyên") == [PHU_XUYEN]
    assert ids(engine, "phu xuyen") == [PHU_XUYEN]


@pytest.mark.parametrize("query", ["Leicester", "Liverpool", "Premier League", '"Ứng Hòa"', '"Đan Phượng"'])
def test_sidebar_words_find_nothing(engine: Engine, query: str) -> None:
    assert ids(engine, query) == []


def test_decomposed_query_matches_like_composed(engine: Engine) -> None:
    import unicodedata

    assert ids(engine, unicodedata.normalize("NFD", "Chương Mỹ")) == ids(engine, "Chương Mỹ")


def test_exact_accents_rank_above_folded_matches(engine: Engine) -> None:
    accented = engine.search(SearchRequest(query="Chương Mỹ")).hits[0]
    folded = engine.search(SearchRequest(query="chuong my")).hits[0]
    assert accented.id == folded.id
    assert accented.score > folded.score


def test_quoted_phrase_needs_the_words_in_order(engine: Engine) -> None:
    assert len(ids(engine, '"nhà công vụ"')) == 1
    assert ids(engine, '"công vụ nhà"') == []


def test_exclusion_removes_matches(engine: Engine) -> None:
    everything = ids(engine, "phong trào thi đua")
    assert TAY_HO in everything
    without = ids(engine, "phong trào thi đua -Tây")
    assert TAY_HO not in without
    assert len(without) == len(everything) - 1
    assert CHUONG_MY not in ids(engine, 'phong trào -"chương mỹ"')


def test_abbreviation_finds_the_long_form_and_back(engine: Engine) -> None:
    # 001 and 003 never write "LĐLĐ", only "Liên đoàn Lao động"
    assert {PHU_XUYEN, TAY_HO} <= set(ids(engine, "LĐLĐ"))
    assert {PHU_XUYEN, TAY_HO} <= set(ids(engine, "ldld"))
    # and the long form finds the article that mostly writes the short one
    assert CHUONG_MY in ids(engine, "liên đoàn lao động")


def test_snippet_marks_the_accented_words_of_an_unaccented_query(engine: Engine) -> None:
    hit = engine.search(SearchRequest(query="chuong my")).hits[0]
    marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    assert marked and set(marked) <= {"Chương", "Mỹ"}
    assert "Chương</mark> <mark>Mỹ" in hit.snippet


def test_snippet_is_escaped_html() -> None:
    from search.snippets import Marks, mark_all, marks_for, snippet

    html = snippet("Tin <script>alert(1)</script> ở Chương Mỹ & Hà Nội", marks_for([["chuong"]]))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>Chương</mark>" in html
    assert mark_all("a < b", Marks()) == "a &lt; b"


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        # a syllable of a multi-syllable query is marked where it stands in a run
        ("Lao động đông đảo ở Lâm Đồng", ["lao", "dong"], ["Lao", "động"]),
        # with no run anywhere, every occurrence is marked
        ("đông đảo lao xao", ["lao", "dong"], ["đông", "lao"]),
        ("Chương trình ở Chương Mỹ", ["chuong", "my"], ["Chương", "Mỹ"]),
        ("Chương trình ở Chương Mỹ", ["chuong"], ["Chương", "Chương"]),
    ],
)
def test_marks_land_on_the_query_words(text: str, query: list[str], marked: list[str]) -> None:
    from search.snippets import mark_all, marks_for

    assert re.findall(r"<mark>(.*?)</mark>", mark_all(text, marks_for([query]))) == marked


@pytest.mark.parametrize("gap", [40, 60, 75, 90, 110])
def test_a_fragment_shows_every_query_word_it_was_chosen_for(gap: int) -> None:
    """Fragments were chosen by the words in the 240 characters after a match but showed
    only 160 of them (a third goes before the match): "huyện" here counted and was cut."""
    from search.snippets import SNIPPET_CHARS, _best_windows, _counted, _fragment, _matches, marks_for

    text = "mở đầu " * 50 + "lao " + "x " * gap + "động " + "y " * gap + "huyện " + "z " * 200 + "lao động"
    marks = marks_for([["lao"], ["dong"], ["huyen"]])
    matches = _matches(text, marks)
    reach = _counted(SNIPPET_CHARS)
    for start in _best_windows(matches, reach, 2, apart=SNIPPET_CHARS):
        shown = re.findall(r"<mark>(.*?)</mark>", _fragment(text, start, SNIPPET_CHARS, matches))
        counted = {text[s:e] for s, e, _ in matches if start <= s < start + reach}
        assert counted <= set(shown)


@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("LĐLĐ", "Liên đoàn Lao động, LĐLĐ huyện", ["Liên", "đoàn", "Lao", "động", "LĐLĐ"]),
        ("ldld chuong my", "LĐLĐ huyện Chương Mỹ, chương trình", ["LĐLĐ", "Chương", "Mỹ"]),
        # a word that folds like a short form is not one: "đã" is not "DA" (dự án)
        ("đã dự án", "đã có dự án, đã xong", ["dự", "án"]),
        ("ai", "AI: artificial intelligence; ai", ["artificial", "intelligence"]),
    ],
)
def test_an_abbreviation_is_marked_beside_the_runs_of_its_other_form(
    query: str, text: str, marked: list[str]
) -> None:
    """A one-syllable abbreviation stands in no run of the query, and the runs of its
    other form used to hide it: a reader who typed "LĐLĐ" saw only "Liên đoàn Lao động"
    marked."""
    from search.query import planner
    from search.snippets import mark_all

    abbreviations = Abbreviations(
        {"lđlđ": "liên đoàn lao động", "da": "dự án", "ai": "artificial intelligence"}
    )
    marks = planner.marks(planner.parse(query), abbreviations)
    assert re.findall(r"<mark>(.*?)</mark>", mark_all(text, marks)) == marked


def test_district_facet_lists_the_districts(engine: Engine) -> None:
    facets = engine.search(SearchRequest(query="")).facets
    values = {bucket.value: bucket.count for bucket in facets["district"]}
    assert {"Chương Mỹ", "Phú Xuyên", "Tây Hồ", "Lâm Đồng"} <= set(values)
    assert all(count == 1 for count in values.values())
    years = {bucket.value: bucket.count for bucket in facets["year"]}
    assert years == {"2020": 2, "2022": 2, "2024": 1}


def test_filters_narrow_and_facets_stay_reachable(engine: Engine) -> None:
    result = engine.search(SearchRequest(query="thi đua", districts=("Tây Hồ",)))
    assert [hit.id for hit in result.hits] == [TAY_HO]
    district = {b.value: b for b in result.facets["district"]}
    assert district["Tây Hồ"].selected
    # the other districts keep their counts, so a second one can be added (OR)
    assert district["Chương Mỹ"].count == 1 and not district["Chương Mỹ"].selected
    both = ids(engine, "thi đua", districts=("Tây Hồ", "Chương Mỹ"))
    assert set(both) == {TAY_HO, CHUONG_MY}
    assert ids(engine, "thi đua", years=(2020,)) and set(ids(engine, "thi đua", years=(2020,))) == {
        PHU_XUYEN,
        TAY_HO,
    }
    assert ids(engine, "thi đua", districts=("Tây Hồ",), years=(2024,)) == []


def test_pagination(engine: Engine) -> None:
    pages = [ids(engine, "", per_page=2, page=n) for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert len({i for p in pages for i in p}) == 5
    result = engine.search(SearchRequest(query="", per_page=2))
    assert result.total == 5 and result.pages == 3


def test_sort_by_date_puts_newest_first(engine: Engine) -> None:
    hits = engine.search(SearchRequest(query="thi đua", sort="date")).hits
    years = [hit.year for hit in hits]
    assert years == sorted(years, reverse=True)
    assert all(hit.score is None for hit in hits)


@pytest.mark.parametrize(
    "kwargs",
    [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"sort": "random"}, {"query": "x" * 1001}],
)
def test_bad_requests_are_refused_with_a_message(kwargs) -> None:
    with pytest.raises(BadRequest) as error:
        SearchRequest(**kwargs)
    assert str(error.value)


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "AND OR NOT", "-", "*", "?", "title:", "[a TO b]", "~2", "^3", "\x00\x1f", "😀", "((("],
)
def test_hostile_queries_never_raise(engine: Engine, query: str) -> None:
    result = engine.search(SearchRequest(query=query))
    assert result.total >= 0


@pytest.mark.parametrize(
    ("text", "terms", "phrases", "excluded"),
    [
        ("chuong my", ["chuong", "my"], [], []),
        ('"Chương Mỹ" giáo', ["giáo"], [["chương", "mỹ"]], []),
        ("thi đua -Tây", ["thi", "đua"], [], [["tây"]]),
        ('a -"b c"', ["a"], [], [["b", "c"]]),
        ('"unbalanced words', ["unbalanced", "words"], [], []),
        ("title:Hà [a TO b]", ["title", "hà", "a", "to", "b"], [], []),
        ("“Tây Hồ”", [], [["tây", "hồ"]], []),
        ("hoà", ["hòa"], [], []),
    ],
)
def test_parse(text: str, terms, phrases, excluded) -> None:
    parsed = parse(text)
    assert (parsed.terms, parsed.phrases, parsed.excluded) == (terms, phrases, excluded)


def test_document_lookup(engine: Engine) -> None:
    document = engine.document(PHU_XUYEN)
    assert document is not None
    assert document.date == "2020-08-31T21:06:00"
    assert document.district == ["Phú Xuyên"]
    assert document.author == "H.D"
    assert engine.document("../../etc/passwd") is None


def test_an_empty_text_does_not_spoil_the_scores(tmp_path) -> None:
    import math

    from search.backends.local.indexer import build_index
    from tests.exports import write_export

    records = [
        {"id": "empty", "title": "Chỉ có tiêu đề", "text": ""},
        {"id": "full", "title": "Công đoàn", "text": "Công đoàn cơ sở huyện Chương Mỹ tổ chức hội nghị."},
    ]
    build_index([write_export(tmp_path / "export.jsonl", records)], tmp_path / "index", workers=1)
    hits = LocalEngine(tmp_path / "index").search(SearchRequest(query="công đoàn chương mỹ")).hits
    assert [hit.id for hit in hits] == ["full"]
    assert all(math.isfinite(hit.score) for hit in hits)


def test_abbreviation_spans_are_remembered_not_shared() -> None:
    """A search asks for its query's abbreviation spans twice (plan, marks): the second
    answer comes from memory, the same, and what a caller does to it changes no other."""
    table = Abbreviations({"lđlđ": "liên đoàn lao động"})
    query = ["lđlđ", "quận", "liên", "đoàn", "lao", "động"]
    first = table.alternatives(query)
    assert first == [(0, 1, ["liên", "đoàn", "lao", "động"]), (2, 6, ["lđlđ"])]
    first[0][2].append("changed")
    assert table.alternatives(list(query)) == [(0, 1, ["liên", "đoàn", "lao", "động"]), (2, 6, ["lđlđ"])]
    assert table.alternatives(["lien", "doan", "lao", "dong"]) == [(0, 4, ["lđlđ"])]  # accents ignored


def test_a_hit_marks_its_title_only_when_the_title_is_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON API never shows ``title_html``: a search does not mark the titles (4 % of
    its CPU), and a hit marks its own when the page reads it."""
    from search import snippets

    marked: list[str] = []
    original = snippets.mark_all

    def counted(text: str, marks: snippets.Marks) -> str:
        marked.append(text)
        return original(text, marks)

    monkeypatch.setattr(snippets, "mark_all", counted)
    result = engine.search(SearchRequest(query="thi dua", per_page=5))
    assert result.hits and marked == []
    assert "title_html" not in result.hits[0].to_json()
    titled = [hit for hit in result.hits if "thi đua" in hit.title]
    assert titled, "a seed headline says thi đua"
    assert "<mark>thi</mark> <mark>đua</mark>" in titled[0].title_html
    assert titled[0].title_html == titled[0].title_html and marked == [titled[0].title]  # made once
