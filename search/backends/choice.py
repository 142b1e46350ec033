"""Which search backend serves: Whoosh in process (the default) or a Typesense cluster.

``VNSEARCH_BACKEND=whoosh|typesense`` chooses. The web UI, the JSON API and the CLI
do not know which one runs: :class:`search.engine.SearchEngine` and
:func:`rebuild_function` hand out the configured one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from search.backends.local.storage import NoIndex

BACKEND_VARIABLE = "VNSEARCH_BACKEND"
BACKENDS = ("whoosh", "typesense")


class BackendUnavailable(NoIndex):
    """The configured backend cannot be reached or is misconfigured (a message for people).
    A kind of :class:`NoIndex`: whoever reports a missing index reports this too."""

    reason = "unreachable"


def backend_name() -> str:
    """``$VNSEARCH_BACKEND`` (default ``whoosh``)."""
    name = (os.environ.get(BACKEND_VARIABLE) or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise BackendUnavailable(f"{BACKEND_VARIABLE}={name!r}: choose one of {', '.join(BACKENDS)}")
    return name


def rebuild_function(update: bool = False) -> Callable[..., Any]:
    """``build_index`` (or ``update_index``) of the configured backend, called as
    ``run(sources, index_dir, progress=...)`` and returning a BuildReport."""
    if backend_name() == "typesense":
        from search.backends.typesense.indexer import build_collection

        return build_collection  # a rebuild is always complete: --update rebuilds
    from search.backends.local.indexer import build_index, update_index

    return update_index if update else build_index
