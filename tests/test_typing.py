"""Typos and Telex/VNI keystrokes through the real engine on a small real index."""

from __future__ import annotations

import re

import pytest

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.query import corrections
from search.query.corrections import one_edit
from search.results import SearchRequest
from search.text import fold
from tests.conftest import SEEDS

CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> LocalEngine:
    folder = tmp_path_factory.mktemp("typing")
    build_index([SEEDS], folder, workers=1)
    return LocalEngine(folder)


def test_one_edit_covers_insert_delete_substitute_and_swap() -> None:
    edits = one_edit("doan")
    assert {"doanh", "dan", "toan", "daon"} <= edits  # insert, delete, substitute, swap
    assert "doan" not in edits
    assert all(abs(len(e) - 4) <= 1 for e in edits)


def test_a_word_the_index_knows_well_costs_one_lookup_and_has_no_neighbours() -> None:
    documents = {"doan": corrections.WELL_KNOWN, "doanh": 3, "doanf": 1}
    asked: list[list[str]] = []

    def frequencies(words: list[str]) -> list[int]:
        asked.append(words)
        return [documents.get(w, 0) for w in words]

    assert corrections.neighbours("doan", frequencies) == (corrections.WELL_KNOWN, [])
    assert asked == [["doan"]]  # its hundreds of edits are never looked up
    assert corrections.neighbours("doanf", frequencies) == (1, [(20, "doan"), (3, "doanh")])


@pytest.mark.parametrize(
    ("typed", "first", "suggestion"),
    [
        ("phu xyen", PHU_XUYEN, "phú xuyên"),  # a letter missing
        ("chuonh my", CHUONG_MY, "chương mỹ"),  # a neighbouring key
        ("chuonh mt", CHUONG_MY, "chương mỹ"),  # two typos side by side, one of two letters
        ("chuowng myx", CHUONG_MY, "chương mỹ"),  # Telex
        ("chu7o7ng my4", CHUONG_MY, "chương mỹ"),  # VNI
        ("Phus Xuyeen", PHU_XUYEN, "Phú Xuyên"),  # Telex, capitals kept
    ],
)
def test_mistyped_queries_find_the_article_and_say_what_was_meant(
    engine: LocalEngine, typed: str, first: str, suggestion: str
) -> None:
    result = engine.search(SearchRequest(query=typed))
    assert result.hits and result.hits[0].id == first
    assert result.suggestion == suggestion


def test_the_snippet_marks_the_corrected_words(engine: LocalEngine) -> None:
    hit = engine.search(SearchRequest(query="phu xyen")).hits[0]
    marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    assert "Xuyên" in marked and "Phú" in marked


def test_a_correction_scores_below_the_exact_word(engine: LocalEngine) -> None:
    exact = engine.search(SearchRequest(query="phu xuyen")).hits[0]
    typo = engine.search(SearchRequest(query="phu xyen")).hits[0]
    assert exact.id == typo.id and typo.score is not None and exact.score is not None
    assert typo.score < exact.score


@pytest.mark.parametrize("word", ["xe", "Facebook", "SARS", "COVID", "giáo dục", "LĐLĐ", "2020"])
def test_words_that_need_no_reading_are_searched_as_typed(engine: LocalEngine, word: str) -> None:
    suggestion = engine.search(SearchRequest(query=word)).suggestion
    # at most accents added to the same letters: never a Telex or VNI reading of them
    assert suggestion is None or fold(suggestion).lower() == fold(word).lower()


def test_a_two_letter_word_is_corrected_only_beside_a_word_that_confirms_it(engine: LocalEngine) -> None:
    assert engine.search(SearchRequest(query="chuong mt")).suggestion == "chương mỹ"
    alone = engine.search(SearchRequest(query="mt"))
    assert alone.total == 0 and alone.suggestion is None


def test_a_word_the_index_knows_well_is_never_corrected(engine: LocalEngine) -> None:
    result = engine.search(SearchRequest(query="công đoàn"))
    assert result.suggestion is None


def test_prefix_search_reads_the_last_word_as_the_start_of_one(engine: LocalEngine) -> None:
    whole = engine.search(SearchRequest(query="phu xu"))  # the default: whole words
    assert whole.partial == whole.total > 0  # none has "xu": only partial answers, with "phu"
    prefixed = engine.search(SearchRequest(query="phu xu", prefix=True))
    assert prefixed.hits[0].id == PHU_XUYEN and prefixed.partial == 0
    assert engine.search(SearchRequest(query="chuong m", prefix=True)).hits[0].id == CHUONG_MY


def test_prefix_through_the_api_and_the_page(engine: LocalEngine) -> None:
    from webui.app import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": engine.index_dir}).test_client()
    data = client.get("/api/search", query_string={"q": "phu xu", "prefix": "true"}).get_json()
    assert data["hits"][0]["id"] == PHU_XUYEN
    whole = client.get("/api/search", query_string={"q": "phu xu"}).get_json()
    assert whole["partial"] == whole["total"] and data["partial"] == 0
    assert client.get("/api/search", query_string={"q": "x", "prefix": "maybe"}).status_code == 400
    page = client.get("/", query_string={"q": "phu xu", "prefix": "true"}).get_data(as_text=True)
    assert '<input type="hidden" name="prefix" value="true">' in page and PHU_XUYEN in page
