"""A short, bounded load test against a real server (the long one is in BENCHMARKS.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import loadtest
from search.bench import DEFAULT_QUERIES
from tests.live_server import running_server


def test_concurrent_readers_get_answers_without_errors(seeded_index: Path) -> None:
    with running_server(seeded_index) as (base, pid):
        report = loadtest.run(base, [*DEFAULT_QUERIES, '"unbalanced', "-", "😀"], 300, 8, pid)
    assert report.requests == 300
    assert report.errors == 0
    assert report.rss_after_mib is not None and report.rss_after_mib > 0


@pytest.mark.parametrize("url", ["http://example.com/", "http://10.0.0.1:5000/"])
def test_load_only_targets_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        loadtest.require_loopback(url)
