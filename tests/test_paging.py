"""Paging through every result returns each matching article exactly once, in one
total order, on both backends: an index built with many equal dates and equal scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.results import SearchRequest
from tests.exports import engine_on, write_export

ARTICLES = 90
PER_PAGE = 7


def _records() -> list[dict[str, str]]:
    """Identical texts (equal scores), ids in an order unlike the index order; a third
    published on one same day, a third with only a year in the text, a third undated."""
    records = []
    for i in range(ARTICLES):
        record = {"id": f"doc-{(i * 37) % ARTICLES:03d}", "title": "Công đoàn", "text": "Tin công đoàn."}
        if i % 3 == 0:
            record["date"] = "2021-05-01"
        elif i % 3 == 1:
            record["text"] = "Tin công đoàn năm 2021."
        records.append(record)
    return records


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def tied_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return engine_on(request, tmp_path_factory.mktemp("tied"), "tied", _records())


def _all_pages(engine: Any, **request: Any) -> list[Any]:
    hits = []
    page = 1
    while True:
        result = engine.search(SearchRequest(per_page=PER_PAGE, page=page, **request))
        assert result.total == ARTICLES
        if not result.hits:
            return hits
        hits += result.hits
        page += 1


@pytest.mark.parametrize("query", ["công đoàn", ""])
def test_relevance_pages_hold_every_article_once_ties_by_id(tied_engine: Any, query: str) -> None:
    hits = _all_pages(tied_engine, query=query)
    ids = [hit.id for hit in hits]
    assert len(ids) == ARTICLES and len(set(ids)) == ARTICLES
    if query:  # equal texts: equal scores, so the order is the ids'
        assert len({hit.score for hit in hits}) <= 3  # the dated, the year and the plain texts
        groups = [[h.id for h in hits if h.score == score] for score in dict.fromkeys(h.score for h in hits)]
        assert all(group == sorted(group) for group in groups)


def test_date_pages_hold_every_article_once_dated_then_inferred_then_undated(tied_engine: Any) -> None:
    hits = _all_pages(tied_engine, query="công đoàn", sort="date")
    ids = [hit.id for hit in hits]
    assert len(ids) == ARTICLES and len(set(ids)) == ARTICLES
    kinds = [hit.date_kind for hit in hits]
    third = ARTICLES // 3
    assert kinds == ["published"] * third + ["inferred"] * third + [None] * third
    for start in range(0, ARTICLES, third):  # within one date, by id
        assert ids[start : start + third] == sorted(ids[start : start + third])
    assert {hit.year for hit in hits[: 2 * third]} == {2021}


def test_a_quoted_phrase_never_spans_headline_and_text(tmp_path: Path) -> None:
    records = [
        {"id": "across", "title": "Hội nghị công", "text": "Đoàn viên họp."},
        {"id": "inside", "title": "Tin", "text": "Hội nghị công đoàn họp."},
        {"id": "across3", "title": "Tin về hội nghị", "text": "Công đoàn viên."},
    ]
    build_index([write_export(tmp_path / "p.jsonl", records)], tmp_path / "index", workers=1)
    engine = LocalEngine(tmp_path / "index")

    def found(query: str) -> set[str]:
        return {hit.id for hit in engine.search(SearchRequest(query=query)).hits}

    assert found('"công đoàn"') == {"inside", "across3"}  # not "công" + "Đoàn" of "across"
    assert found('"nghị công đoàn"') == {"inside"}
    assert found("công đoàn") == {"inside", "across", "across3"}  # unquoted, the words suffice
