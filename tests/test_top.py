"""The first ``stop`` of many candidates (search/backends/local/retrieval.py, ``top``):
narrowed to a floor first when there are many, the same order as a full sort."""

from __future__ import annotations

import numpy as np
import pytest

from search.backends.local.retrieval import SAMPLE_EVERY, top


def full_sort(candidates: np.ndarray, keys: np.ndarray, id_rank: np.ndarray) -> list[int]:
    return sorted(candidates.tolist(), key=lambda d: (-keys[d], id_rank[d]))


@pytest.mark.parametrize("distinct_keys", [3, 50, None])  # few values: ties at the floor
def test_top_equals_a_full_sort_on_every_page(distinct_keys: int | None) -> None:
    rng = np.random.default_rng(7)
    size = 40_000
    keys = rng.integers(0, distinct_keys, size).astype(np.float32) if distinct_keys else rng.random(size)
    id_rank = rng.permutation(size)
    candidates = np.flatnonzero(rng.random(size) < 0.7)
    expected = full_sort(candidates, keys, id_rank)
    assert len(candidates) > 30 * SAMPLE_EVERY * 4  # the first pages are narrowed
    for start, stop in [(0, 10), (0, 30), (20, 30), (90, 100), (1990, 2000), (0, len(candidates) + 5)]:
        assert top(candidates, keys, id_rank, start, stop).tolist() == expected[start:stop], (start, stop)


def test_top_of_nothing_and_of_a_few() -> None:
    keys = np.array([1.0, 3.0, 3.0, 2.0])
    id_rank = np.array([3, 2, 1, 0])
    assert top(np.arange(4), keys, id_rank, 0, 0).tolist() == []
    assert top(np.arange(0), keys, id_rank, 0, 10).tolist() == []
    assert top(np.arange(4), keys, id_rank, 0, 10).tolist() == [2, 1, 3, 0]
