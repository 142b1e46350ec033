"""Answers to recent requests come from memory, and never outlive their generation."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.backends.local import engine as local_engine
from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.cache import RecentResults
from search.results import SearchRequest, SearchResult
from tests.exports import write_export


def _build(folder: Path, index_dir: Path, text: str) -> None:
    records = [{"id": "a", "title": "Tin", "text": text}]
    build_index([write_export(folder / "export.jsonl", records)], index_dir, workers=1)


def test_a_repeated_request_gets_the_same_answer_and_a_rebuild_a_new_one(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _build(tmp_path, index_dir, "Hội nghị ở Chương Mỹ.")
    engine = LocalEngine(index_dir)
    request = SearchRequest(query="chương mỹ")
    first = engine.search(request)
    again = engine.search(request)
    assert first.total == again.total == 1 and again.hits == first.hits
    _build(tmp_path, index_dir, "Hội nghị ở Mê Linh.")
    assert engine.search(request).total == 0  # the same request, on the new generation


def _result(request: SearchRequest, total: int) -> SearchResult:
    return SearchResult(request=request, total=total, took_ms=1.0, hits=[], facets={})


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    recent = RecentResults(size=2)
    a, b, c = (SearchRequest(query=q) for q in "abc")
    computed: list[str] = []

    def answer(request: SearchRequest, total: int) -> SearchResult:
        return recent.answer(
            "gen-1", request, lambda: computed.append(request.query) or _result(request, total)
        )

    answer(a, 1), answer(b, 2), answer(a, 1), answer(c, 3)  # b is now the least recently used
    assert computed == ["a", "b", "c"] and len(recent) == 2
    assert answer(a, 1).total == 1 and computed == ["a", "b", "c"]
    answer(b, 2)
    assert computed == ["a", "b", "c", "b"]


def test_another_generation_forgets_every_answer() -> None:
    recent = RecentResults()
    request = SearchRequest(query="x")
    recent.answer("gen-1", request, lambda: _result(request, 1))
    assert recent.answer("gen-2", request, lambda: _result(request, 2)).total == 2
    assert len(recent) == 1


def test_articles_shown_are_remembered_per_generation_boundedly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_engine, "DOCUMENTS_CACHED", 2)
    index_dir = tmp_path / "index"
    records = [
        {"id": str(i), "title": f"Tin {i}", "text": f"Hội nghị ở Chương Mỹ, lần {i}."} for i in range(5)
    ]
    build_index([write_export(tmp_path / "export.jsonl", records)], index_dir, workers=1)
    engine = LocalEngine(index_dir)
    shown = engine.search(SearchRequest(query="chương mỹ"))
    assert {hit.id for hit in shown.hits} == {str(i) for i in range(5)}
    assert len(engine._current()._documents) == 2  # the last two read, no more
    again = engine.search(SearchRequest(query="hội nghị chương mỹ"))  # not the cached request
    assert {hit.id: hit.title for hit in again.hits} == {str(i): f"Tin {i}" for i in range(5)}
    _build(tmp_path, index_dir, "Hội nghị ở Chương Mỹ, mới.")
    assert [hit.title for hit in engine.search(SearchRequest(query="hội nghị")).hits] == ["Tin"]
