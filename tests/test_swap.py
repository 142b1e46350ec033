"""A rebuild swapped in while a server searches: the new generation is opened by the
server's prepare thread, and searches keep answering from the previous one meanwhile."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path

import pytest

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.results import SearchRequest
from tests.exports import write_export


def _build(folder: Path, index_dir: Path, place: str) -> None:
    records = [{"id": "a", "title": "Tin", "text": f"Hội nghị ở {place}."}]
    build_index([write_export(folder / f"{place}.jsonl", records)], index_dir, workers=1)


def _total(engine: LocalEngine, query: str) -> int:
    return engine.search(SearchRequest(query=query)).total


def test_searches_answer_from_the_previous_generation_while_the_new_one_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    _build(tmp_path, index_dir, "Chương Mỹ")
    engine = LocalEngine(index_dir)
    engine.follow_in_background()
    assert engine.prepare() and _total(engine, "chương mỹ") == 1
    _build(tmp_path, index_dir, "Mê Linh")

    opening, release = threading.Event(), threading.Event()
    load = engine._load

    def slow_load(path: Path):  # type: ignore[no-untyped-def]
        opening.set()
        assert release.wait(10)
        return load(path)

    monkeypatch.setattr(engine, "_load", slow_load)
    preparing = threading.Thread(target=engine.prepare)
    preparing.start()
    assert opening.wait(10)
    started = time.perf_counter()
    assert _total(engine, "chương mỹ") == 1  # the previous generation, at once
    assert time.perf_counter() - started < 5
    release.set()
    preparing.join(10)
    assert _total(engine, "mê linh") == 1 and _total(engine, "chương mỹ") == 0


def test_an_engine_without_a_prepare_thread_follows_a_rebuild_at_once(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _build(tmp_path, index_dir, "Chương Mỹ")
    engine = LocalEngine(index_dir)
    assert _total(engine, "chương mỹ") == 1
    _build(tmp_path, index_dir, "Mê Linh")
    assert _total(engine, "mê linh") == 1


def test_a_generation_swapped_out_is_freed_without_the_cyclic_collector(tmp_path: Path) -> None:
    """The server freezes what it loaded at start (``gc.freeze`` in webui/server.py): the
    cyclic collector never frees it. A generation swapped out later must go by reference
    counting alone, or every rebuild would leave one behind, open files and all."""
    index_dir = tmp_path / "index"
    _build(tmp_path, index_dir, "Chương Mỹ")
    engine = LocalEngine(index_dir)
    engine.follow_in_background()
    assert engine.prepare() and _total(engine, "chương mỹ") == 1
    old = engine._shared
    assert old is not None
    gone = [weakref.ref(old), weakref.ref(old.retriever), weakref.ref(old.index)]
    searcher = weakref.ref(engine._local.opened.searcher)
    del old
    gc.collect()
    gc.disable()
    try:
        time.sleep(0.01)
        _build(tmp_path, index_dir, "Mê Linh")
        assert engine.prepare() and _total(engine, "mê linh") == 1  # this thread moved on
        assert [ref() is None for ref in [*gone, searcher]] == [True] * 4
    finally:
        gc.enable()
