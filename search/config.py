"""Where things are by default: one place for every command and the web app."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_DIR_VARIABLE = "VNSEARCH_INDEX_DIR"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_index_dir() -> Path:
    """``$VNSEARCH_INDEX_DIR`` when set, else ``index/`` in the working directory."""
    return Path(os.environ.get(INDEX_DIR_VARIABLE) or "index")


def default_sources() -> list[Path]:
    """``seeds/`` in the working directory, else the seeds shipped beside the package."""
    here = Path("seeds")
    return [here if here.is_dir() else PROJECT_ROOT / "seeds"]
