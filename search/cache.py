"""The answers to recent requests, kept per index generation.

Real traffic repeats itself (the same popular searches, a reader paging back), so an
engine answers a request it has just answered from memory. The cache is bounded and
holds one generation's answers: the first request to a new generation (after a
rebuild or an update) forgets the previous one's, so no answer outlives its index.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace

from search.results import SearchRequest, SearchResult

RESULTS_CACHED = 1024  # requests remembered (about 10 KB each)


class RecentResults:
    """Least-recently-used answers of one generation at a time; thread-safe."""

    def __init__(self, size: int = RESULTS_CACHED) -> None:
        self.size = size
        self._generation: Hashable | None = None
        self._results: OrderedDict[SearchRequest, SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._results)

    def answer(
        self, generation: Hashable, request: SearchRequest, search: Callable[[], SearchResult]
    ) -> SearchResult:
        """The remembered answer to ``request`` on ``generation`` (with the time this
        lookup took), else ``search()``, remembered."""
        started = time.perf_counter()
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._results.clear()
            found = self._results.get(request)
            if found is not None:
                self._results.move_to_end(request)
        if found is not None:
            return replace(found, took_ms=(time.perf_counter() - started) * 1000)
        result = search()
        with self._lock:
            if generation == self._generation:
                self._results[request] = result
                while len(self._results) > self.size:
                    self._results.popitem(last=False)
        return result
