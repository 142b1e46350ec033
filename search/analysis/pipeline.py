"""Word segmentation for indexing, on every core, streamed in bounded batches.

Segmenting is the largest part of indexing (about two million characters a second a
core). Articles are segmented once, in worker processes, while the main process feeds
the Whoosh writer; at most two batches are in flight, so memory stays flat on any corpus size.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

from search.analysis import segment
from search.analysis.analyzers import COMPOUND_JOINER
from search.children import worker_pool
from search.ingest.article import Article, Problem
from search.ingest.sources import Unparsed
from search.text import normalize

Item = Article | Problem | Unparsed
BATCH = 256
Result = TypeVar("Result")


def compounds_of(text: str, normalized: bool = False) -> list[str]:
    """The multi-syllable words of ``text`` (``normalized`` already, as an article's text
    is) as written, joined: ["Liên_đoàn", ...]."""
    found = segment.compounds(text if normalized else normalize(text))
    return [words.replace(" ", COMPOUND_JOINER) for words, *_ in found]


def article_compounds(article: Article) -> list[str]:
    return compounds_of(f"{article.title}\n{article.body}", normalized=True)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _prepared(analyse: Callable[[Article], Any], item: Item) -> tuple[Article | Problem, Any]:
    """The item as an article (parsed here when it came :class:`Unparsed`) or a
    problem, and ``analyse`` of the article (None for a problem)."""
    if isinstance(item, Unparsed):
        item = item.parse()
    return item, analyse(item) if isinstance(item, Article) else None


def segmented(
    items: Iterable[Item],
    workers: int = 0,
    analyse: Callable[[Article], Result] = article_compounds,  # type: ignore[assignment]
) -> Iterator[tuple[Article | Problem, Result]]:
    """Each item as an article or a problem, with ``analyse`` of the article (None for a
    problem), in order; by default, the article's compounds. :class:`Unparsed` records
    are parsed in the workers, beside the analysis."""
    workers = workers or default_workers()
    prepare = functools.partial(_prepared, analyse)
    if workers <= 1:
        yield from map(prepare, items)
        return
    segment.load_model()  # once, before forking: the workers share it
    iterator = iter(items)
    # Each worker loads what parsing records needs before the first one comes.
    with worker_pool(workers, initializer=Unparsed.prepare) as pool:
        in_flight: deque[AsyncResult[list[tuple[Article | Problem, Result]]]] = deque()
        while batch := list(islice(iterator, BATCH)):
            in_flight.append(pool.map_async(prepare, batch, chunksize=16))
            if len(in_flight) > 1:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()
