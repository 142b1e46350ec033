"""Small JSONL exports for tests that index a handful of articles."""

from __future__ import annotations

import json
from pathlib import Path


def write_export(path: Path, records: list[dict[str, str]]) -> Path:
    """Write ``records`` as a JSONL export (one object a line) and return its path."""
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path
