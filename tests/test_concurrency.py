"""Searches of one engine from many threads (a server's): each gets its own answer, and
they compute one at a time (several at once only take turns at the interpreter lock)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from search.backends.local.engine import LocalEngine
from search.results import SearchRequest, SearchResult

QUERIES = ["chương mỹ", "phu xuyen", "công đoàn", "giáo viên", "lao động", "hà nội", "LĐLĐ", "học sinh"]


def _ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def test_searches_from_many_threads_compute_one_at_a_time_and_each_gets_its_answer(
    seeded_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = [SearchRequest(query=q, per_page=n) for q in QUERIES for n in (2, 3, 10)]
    alone = LocalEngine(seeded_index)  # one thread: each request is its own, none repeats
    expected = {request: _ids(alone.search(request)) for request in requests}
    computing = most = 0
    counting = threading.Lock()
    search = LocalEngine._search

    def slow_search(engine: LocalEngine, opened: object, request: SearchRequest) -> SearchResult:
        nonlocal computing, most
        with counting:
            computing += 1
            most = max(most, computing)
        time.sleep(0.005)  # long enough for other threads to come in if they could
        try:
            return search(engine, opened, request)  # type: ignore[arg-type]
        finally:
            with counting:
                computing -= 1

    monkeypatch.setattr(LocalEngine, "_search", slow_search)
    engine = LocalEngine(seeded_index)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(engine.search, requests))
    assert [_ids(answer) for answer in answers] == [expected[request] for request in requests]
    assert most == 1
