"""Never empty when something matches: when too few documents have enough of a query's
words, those that have some of them follow, ranked after the others, and the response
says how many they are (issue 18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient

from search.backends.local.engine import LocalEngine
from search.query import matching
from search.query.planner import Clause, Plan, TermRef
from search.results import SearchRequest
from webui.app import create_app

CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"
UNKNOWN = "xyzzy qwerty plugh wibble"  # words no seed article has


@pytest.fixture(scope="module")
def local(seeded_index: Path) -> LocalEngine:
    return LocalEngine(seeded_index)


@pytest.fixture()
def client(seeded_index: Path) -> FlaskClient:
    return create_app({"TESTING": True, "INDEX_DIR": seeded_index}).test_client()


def test_a_long_query_of_mostly_unknown_words_still_answers(local: LocalEngine) -> None:
    """Seven words, two of them known: no article has the three that a long query needs,
    so the partial matches answer, the best first."""
    result = local.search(SearchRequest(query=f"Chương Mỹ {UNKNOWN} frobnicate"))
    assert result.total == result.partial > 0
    assert result.hits[0].id == CHUONG_MY


def test_partial_answers_follow_those_with_enough_words(local: LocalEngine) -> None:
    result = local.search(SearchRequest(query=f"Phú Xuyên Chương Mỹ {UNKNOWN}"))
    full = result.total - result.partial
    assert full == 2 and result.partial == 3  # four known words: two articles have three
    assert {hit.id for hit in result.hits[:full]} == {CHUONG_MY, PHU_XUYEN}


def test_enough_answers_need_no_partial_ones(local: LocalEngine) -> None:
    assert local.search(SearchRequest(query="công đoàn")).partial == 0
    assert local.search(SearchRequest(query="Chương Mỹ")).partial == 0  # one article, all words


def test_a_short_query_without_a_full_match_gets_partial_ones(local: LocalEngine) -> None:
    """A short query needs all its words; when no article has them all, the partial
    matches come rather than nothing."""
    result = local.search(SearchRequest(query="chuong my phu xuyen"))
    assert result.total == result.partial == 5
    assert [hit.id for hit in result.hits[:2]] == [PHU_XUYEN, CHUONG_MY]


def test_a_quoted_phrase_is_still_required(local: LocalEngine) -> None:
    result = local.search(SearchRequest(query=f'"Chương Mỹ" {UNKNOWN}'))
    assert [hit.id for hit in result.hits] == [CHUONG_MY] and result.partial == 1
    assert local.search(SearchRequest(query=f'"Mỹ Chương" {UNKNOWN}')).total == 0


def test_nothing_known_is_still_nothing(local: LocalEngine) -> None:
    result = local.search(SearchRequest(query=UNKNOWN))
    assert result.total == result.partial == 0


def test_ranking_for_eval_puts_partial_answers_last(local: LocalEngine) -> None:
    ranked = [doc_id for doc_id, _ in local.rank(f"Phú Xuyên Chương Mỹ {UNKNOWN}", 10)]
    assert set(ranked[:2]) == {CHUONG_MY, PHU_XUYEN} and len(ranked) == 5


def test_tiered_keys_put_partial_answers_below_every_other() -> None:
    keys = np.array([0.5, 9.0, 2.0, -1.0])
    partial = np.array([False, True, False, False])
    tiered = matching.tiered(keys, partial)
    assert list(np.argsort(-tiered, kind="stable")) == [2, 0, 3, 1]
    assert matching.tiered(keys, None) is keys


def test_the_api_and_the_page_say_so(client: FlaskClient) -> None:
    data = client.get("/api/search", query_string={"q": f"Phú Xuyên Chương Mỹ {UNKNOWN}"}).get_json()
    assert data["partial"] == 3 and data["total"] == 5
    assert client.get("/api/search", query_string={"q": "công đoàn"}).get_json()["partial"] == 0
    page = client.get("/", query_string={"q": f"Phú Xuyên Chương Mỹ {UNKNOWN}"}).get_data(as_text=True)
    assert "Chỉ 2 bài có đủ các từ bạn tìm; sau đó là 3 bài chỉ có một phần." in page
    page = client.get("/", query_string={"q": f"Chương Mỹ {UNKNOWN} frobnicate"}).get_data(as_text=True)
    assert "Không bài nào có đủ các từ bạn tìm" in page
    assert "partial-note" not in client.get("/", query_string={"q": "công đoàn"}).get_data(as_text=True)


def test_by_date_too_partial_answers_come_after_the_others(local: LocalEngine) -> None:
    result = local.search(SearchRequest(query=f"Phú Xuyên Chương Mỹ {UNKNOWN}", sort="date"))
    assert {hit.id for hit in result.hits[:2]} == {CHUONG_MY, PHU_XUYEN} and len(result.hits) == 5
    second_page = local.search(SearchRequest(query=f"Phú Xuyên Chương Mỹ {UNKNOWN}", per_page=2, page=2))
    assert CHUONG_MY not in {hit.id for hit in second_page.hits} and len(second_page.hits) == 2


@pytest.mark.parametrize("words", [255, 300])  # a byte counts up to 255 clauses
def test_every_clause_of_a_query_of_hundreds_of_words_is_counted(words: int) -> None:
    """Document 0 has every word, document 1 all but one: only document 0 has all."""
    clauses = [Clause([[[TermRef("body_fold", f"w{i}")]]]) for i in range(words)]

    def add_term(ref: TermRef, scores: np.ndarray) -> np.ndarray:
        scores[0] += 1.0
        return np.array([0]) if ref.text == "w0" else np.array([0, 1])

    found = matching.evaluate(
        Plan(clauses=clauses, min_match=words), 2, add_term, lambda _c: np.ones(2, bool)
    )
    assert found.matched.tolist() == [True, False]
    assert found.partial is None
    assert found.scores[0] == words
