"""Where things are by default: one place for every command and the web app."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_DIR_VARIABLE = "VNSEARCH_INDEX_DIR"
CACHE_VARIABLE = "VNSEARCH_CACHE_MB"
DEFAULT_CACHE_MB = 512
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_index_dir() -> Path:
    """``$VNSEARCH_INDEX_DIR`` when set, else ``index/`` in the working directory."""
    return Path(os.environ.get(INDEX_DIR_VARIABLE) or "index")


def default_sources() -> list[Path]:
    """``seeds/`` in the working directory, else the seeds shipped beside the package."""
    here = Path("seeds")
    return [here if here.is_dir() else PROJECT_ROOT / "seeds"]


def posting_cache_bytes() -> int:
    """The scored posting lists a server process keeps (``$VNSEARCH_CACHE_MB``, default
    512 MiB): more memory, faster searches on a large index (BENCHMARKS.md)."""
    value = os.environ.get(CACHE_VARIABLE, "").strip()
    megabytes = int(value) if value.isdigit() and int(value) > 0 else DEFAULT_CACHE_MB
    return megabytes * 2**20
