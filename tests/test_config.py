"""Settings read from the environment."""

from __future__ import annotations

import pytest

from search.backends.local.retrieval import PostingCache
from search.config import CACHE_VARIABLE, posting_cache_bytes


@pytest.mark.parametrize(("value", "megabytes"), [(None, 512), ("192", 192), ("lots", 512), ("0", 512)])
def test_the_posting_cache_size_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, megabytes: int
) -> None:
    if value is None:
        monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(CACHE_VARIABLE, value)
    assert posting_cache_bytes() == megabytes * 2**20
    assert PostingCache().limit == megabytes * 2**20
