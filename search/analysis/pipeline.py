"""Word segmentation for indexing, on every core, streamed in bounded batches.

pyvi is the slow part of indexing (about 0.2 MB of text a second a core). Articles
are segmented once, in worker processes, while the main process feeds the Whoosh
writer; at most two batches are in flight, so memory stays flat on any corpus size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

from search.analysis import segment
from search.analysis.analyzers import COMPOUND_JOINER
from search.ingest.article import Article, Problem
from search.text import normalize

Item = Article | Problem
BATCH = 256
Result = TypeVar("Result")


def compounds_of(text: str) -> list[str]:
    """The multi-syllable words of ``text`` as written, joined: ["Liên_đoàn", ...]."""
    return [
        word.text.replace(" ", COMPOUND_JOINER)
        for word in segment.segment(normalize(text))
        if word.syllables > 1
    ]


def article_compounds(article: Article) -> list[str]:
    return compounds_of(f"{article.title}\n{article.body}")


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _finish(batch: list[Item], pending: AsyncResult[list[Any]]) -> Iterator[tuple[Item, Any]]:
    results = iter(pending.get())
    for item in batch:
        yield item, next(results) if isinstance(item, Article) else None


def segmented(
    items: Iterable[Item],
    workers: int = 0,
    analyse: Callable[[Article], Result] = article_compounds,  # type: ignore[assignment]
) -> Iterator[tuple[Item, Result]]:
    """Each item with ``analyse`` of its article (None for a Problem), in order; by
    default, the article's compounds."""
    workers = workers or default_workers()
    if workers <= 1:
        for item in items:
            yield item, analyse(item) if isinstance(item, Article) else None  # type: ignore[misc]
        return
    segment.load_model()  # once, before forking: the workers share it
    context = multiprocessing.get_context("fork")
    iterator = iter(items)
    with context.Pool(workers) as pool:
        in_flight: deque[tuple[list[Item], AsyncResult[list[Any]]]] = deque()
        while batch := list(islice(iterator, BATCH)):
            articles = [item for item in batch if isinstance(item, Article)]
            in_flight.append((batch, pool.map_async(analyse, articles, chunksize=16)))
            if len(in_flight) > 1:
                yield from _finish(*in_flight.popleft())
        while in_flight:
            yield from _finish(*in_flight.popleft())
