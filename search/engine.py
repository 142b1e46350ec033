"""The one engine interface every backend has, and the factory that opens the
configured one: the CLI, the site and embedders all come in here.

>>> engine = open_engine(Path("index"))
>>> result = engine.search(SearchRequest(query="chuong my"))
>>> result.to_json()["hits"][0]["title"]

``VNSEARCH_BACKEND=whoosh`` (the default) opens the local backend on ``index_dir``
(:mod:`search.backends.local`); ``typesense`` opens the cluster the
``VNSEARCH_TYPESENSE_*`` variables name (:mod:`search.backends.typesense`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from search.errors import BackendUnavailable
from search.extras import require
from search.indexing import BuildReport, Progress, no_progress
from search.lexicon.suggestions import Suggestion
from search.results import Document, FacetValues, SearchRequest, SearchResult

BACKEND_VARIABLE = "VNSEARCH_BACKEND"
BACKENDS = ("whoosh", "typesense")


class Engine(Protocol):
    """What every backend answers. Errors: :class:`search.errors.NoIndex` (and its
    kinds) when nothing can be served, :class:`search.results.BadRequest` for a request
    that cannot be answered as asked."""

    def search(self, request: SearchRequest) -> SearchResult:
        """Ranked, highlighted, faceted results for one request."""

    def facet(self, request: SearchRequest, name: str, facet_query: str) -> FacetValues:
        """One facet's values under ``request`` that contain ``facet_query``."""

    def suggest(self, typed: str, limit: int) -> list[Suggestion]:
        """Completions of what was typed so far, the last word as a prefix."""

    def rank(self, query_text: str, limit: int) -> list[tuple[str, float]]:
        """Just the ranking: (id, score) of the best ``limit`` documents."""

    def document(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""

    def highlighted(self, document: Document, query_text: str) -> tuple[str, str]:
        """The article's title and text as escaped HTML, the query's words marked."""

    def stored_texts(self) -> Iterator[tuple[str, str]]:
        """(id, title and text) of every document, in index order (for baselines)."""

    def info(self) -> dict[str, Any]:
        """What /healthz reports: status, documents, generation, built_at."""

    def exists(self) -> bool:
        """Whether an index has been built."""

    def prepare(self) -> bool:
        """Load what the first searches need now; False when there is no index."""

    def follow_in_background(self) -> None:
        """A thread calls :meth:`prepare` every so often: searches never open a new
        generation themselves."""

    def close(self) -> None:
        """Let go of open files; the next search opens them again."""


def backend_name() -> str:
    """``$VNSEARCH_BACKEND`` (default ``whoosh``)."""
    name = (os.environ.get(BACKEND_VARIABLE) or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise BackendUnavailable(f"{BACKEND_VARIABLE}={name!r}: choose one of {', '.join(BACKENDS)}")
    return name


def open_engine(index_dir: Path) -> Engine:
    """The configured backend's engine (``index_dir`` is the local backend's folder)."""
    if backend_name() == "typesense":
        require("typesense", BackendUnavailable)
        from search.backends.typesense.engine import TypesenseEngine

        return TypesenseEngine(index_dir)
    from search.backends.local.engine import LocalEngine

    return LocalEngine(index_dir)


def rebuild(
    sources: Iterable[Path], index_dir: Path, progress: Progress = no_progress, update: bool = False
) -> BuildReport:
    """Rebuild (or, with ``update``, bring up to date) the configured backend's index from
    ``sources`` (the Typesense backend updates its live collection in place)."""
    if backend_name() == "typesense":
        require("typesense", BackendUnavailable)
        from search.backends.typesense.indexer import build_collection, update_collection

        return (update_collection if update else build_collection)(sources, progress=progress)
    from search.backends.local.indexer import build_index, update_index

    return (update_index if update else build_index)(sources, index_dir, progress=progress)


def check(index_dir: Path) -> list[str]:
    """What is wrong with the local index in ``index_dir`` (every file read and
    compared with what its build wrote); empty when it is whole. The Typesense backend
    keeps no index files here: its cluster checks its own."""
    if backend_name() == "typesense":
        return []
    from search.backends.local.storage import check_index

    return check_index(index_dir)
