"""A short, bounded load test against a real server (the long one is in BENCHMARKS.md)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import psutil
import pytest

from search.tools import loadtest
from search.tools.bench import DEFAULT_QUERIES
from tests.live_server import running_server


def test_concurrent_readers_get_answers_without_errors(seeded_index: Path) -> None:
    with running_server(seeded_index) as (base, pid):
        report = loadtest.run(base, [*DEFAULT_QUERIES, '"unbalanced', "-", "😀"], 300, 8, pid)
        suggest = loadtest.run(base, DEFAULT_QUERIES, 100, 4, pid, "suggest")
    assert report.requests == 300
    assert report.errors == 0
    assert report.rss_after_mib is not None and report.rss_after_mib > 0
    assert report.server_cpu_ms is not None and report.server_cpu_ms > 0
    assert "server CPU" in str(report)
    assert (suggest.requests, suggest.errors) == (100, 0)


def test_a_client_keeps_its_connection_and_opens_it_again_when_the_server_closed_it(
    seeded_index: Path,
) -> None:
    with running_server(seeded_index, options=("--workers", "2")) as (base, pid):
        client = loadtest.KeptAliveClient(base)
        try:
            for _ in range(5):
                assert client.get("/api/search?q=chuong+my")[0] == 200
            assert client.connections_opened == 1  # one connection for all five
            for worker in psutil.Process(pid).children():  # whichever holds it: it closes
                worker.kill()
            status, body = client.get("/api/search?q=chuong+my")
            assert status == 200 and b"hits" in body
            assert client.connections_opened == 2
        finally:
            client.close()


def test_a_suggestion_is_asked_for_what_was_typed_so_far() -> None:
    assert loadtest.typed_so_far("Chất béo trong vỏ nhỏ") == "Chất béo tr"
    assert loadtest.typed_so_far("Hà Nội") == "Hà N"
    assert loadtest.typed_so_far("xe") == "xe"


@pytest.mark.parametrize("url", ["http://example.com/", "http://10.0.0.1:5000/"])
def test_load_only_targets_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        loadtest.require_loopback(url)


def test_several_worker_processes_share_the_port_and_replace_one_that_dies(seeded_index: Path) -> None:
    with running_server(seeded_index, options=("--workers", "2")) as (base, pid):
        workers = psutil.Process(pid).children()
        assert len(workers) == 2
        report = loadtest.run(base, list(DEFAULT_QUERIES), 200, 8, pid)
        assert report.errors == 0
        workers[0].kill()  # a crashed worker: the others answer, and it is replaced
        assert loadtest.run(base, list(DEFAULT_QUERIES), 50, 4).errors == 0
        deadline = time.monotonic() + 30
        while len(psutil.Process(pid).children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(psutil.Process(pid).children()) == 2
        assert loadtest.run(base, list(DEFAULT_QUERIES), 50, 4).errors == 0
    with contextlib.suppress(psutil.NoSuchProcess):  # stopping the server stops its workers
        assert not [w for w in workers[1:] if w.is_running()]
