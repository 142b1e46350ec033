"""The optional extras of pyproject.toml, and a check that says which one to install."""

from __future__ import annotations

from importlib.util import find_spec

from search.errors import MissingExtra

# extra -> the modules a command of it imports
EXTRAS = {
    "bench": ("bm25s", "ir_measures", "psutil"),  # vnsearch eval, bench, load
    "typesense": ("typesense",),  # VNSEARCH_BACKEND=typesense
    "learn": ("lightgbm",),  # python -m search.tools.learned
}


def require(extra: str, error: type[Exception] = MissingExtra) -> None:
    """Raise ``error`` with one line that names the extra, when any of its modules is
    missing."""
    missing = [module for module in EXTRAS[extra] if find_spec(module) is None]
    if missing:
        raise error(
            f"{', '.join(missing)} not installed: this needs the [{extra}] extra "
            f"(pip install 'vnsearch[{extra}]', or in a checkout: pip install -e '.[{extra}]')"
        )
