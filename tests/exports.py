"""Small JSONL exports for tests that index a handful of articles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.backends.typesense.engine import TypesenseEngine
from search.backends.typesense.indexer import build_collection
from tests.typesense_nodes import Node, cluster_for


def write_export(path: Path, records: list[dict[str, str]]) -> Path:
    """Write ``records`` as a JSONL export (one object a line) and return its path."""
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def engine_on(request: Any, folder: Path, name: str, records: list[dict[str, str]]) -> Any:
    """An engine over ``records`` on the backend ``request.param`` names ("whoosh" or
    "typesense"; the latter on the session's Typesense node, behind alias ``name``)."""
    export = write_export(folder / f"{name}.jsonl", records)
    if request.param == "typesense":
        node: Node = request.getfixturevalue("typesense_node")
        cluster = cluster_for([node], name)
        assert build_collection([export], cluster=cluster).indexed == len(records)
        return TypesenseEngine(folder, cluster=cluster)
    assert build_index([export], folder / "index", workers=1).indexed == len(records)
    return LocalEngine(folder / "index")
