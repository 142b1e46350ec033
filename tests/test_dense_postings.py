"""A term most documents have is scored from a dense array (search/backends/local/
retrieval.py, ``DENSE_SHARE``): the answers are those of the sparse form, score for
score, on a real index, also after an update that deleted articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.backends.local import retrieval
from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index, update_index
from search.results import SearchRequest
from tests.conftest import SEEDS
from tests.exports import write_export
from tests.test_update_scores import generated

QUERIES = (
    "công đoàn giáo dục",
    "chuong my hoc sinh",
    "LĐLĐ huyện",
    '"lao động" -"Chương Mỹ"',
    "giáo viên -trường",
    '"phong trào thi đua" năm học',
)


def answers(index_dir: Path) -> tuple[list[object], int]:
    """Every page of every query (ids, scores, totals, facets), and how many posting
    lists the engine held in the dense form."""
    engine = LocalEngine(index_dir)
    try:
        found: list[object] = []
        for query in QUERIES:
            for page in (1, 2, 3):
                result = engine.search(SearchRequest(query=query, page=page, per_page=20))
                found.append((query, page, result.total, result.partial, result.facets))
                found.extend((hit.id, hit.score, hit.snippet) for hit in result.hits)
        retriever = engine._opened().retriever
        dense = sum(postings.ids is None for postings in retriever.cache._items.values())
        return found, dense
    finally:
        engine.close()


@pytest.fixture(scope="module")
def updated_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds and 200 generated articles, then an update that removes 40 and adds 10."""
    folder = tmp_path_factory.mktemp("dense")
    first = generated(200, seed=5)
    write_export(folder / "v1.jsonl", first)
    index = folder / "index"
    build_index([SEEDS, folder / "v1.jsonl"], index, workers=1)
    write_export(folder / "v2.jsonl", first[40:] + generated(10, seed=6, prefix="new"))
    assert update_index([SEEDS, folder / "v2.jsonl"], index, workers=1).deleted == 40
    return index


def test_dense_and_sparse_postings_give_the_same_answers(
    updated_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval, "DENSE_SHARE", 2.0)  # no term is that common: all sparse
    sparse, none_dense = answers(updated_index)
    monkeypatch.setattr(retrieval, "DENSE_SHARE", 0.0)  # every term that occurs: dense
    dense, all_dense = answers(updated_index)
    monkeypatch.undo()
    default, some_dense = answers(updated_index)
    assert none_dense == 0 and all_dense > some_dense > 0
    assert dense == sparse  # scores equal to the last bit, not approximately
    assert default == sparse
    assert any(isinstance(row, tuple) and len(row) == 3 and row[1] for row in sparse)  # hits were scored
