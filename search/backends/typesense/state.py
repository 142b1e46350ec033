"""What ``vnsearch index --update`` needs of the last build, kept in the cluster.

The local backend keeps, per generation, the abbreviation miner's definitions (by
document) and the suggestion counter's documents and phrases as files. Here the same
files, in the same formats (the lexicon's own ``save`` and ``load``), are records of the
statistics collection: ``~state.<file>.<k>``, pieces of at most :data:`PIECE` characters,
listed by the record ``~state``. So an update forgets what a removed article defined, as
a rebuild would.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from search.backends.typesense.cluster import Cluster
from search.lexicon.abbreviations import AbbreviationMiner
from search.lexicon.suggestions import SuggestionCounter

STATE_ID = "~state"
REVISION_ID = "~revision"  # a small record that changes with every build or update
PIECE = 500_000  # characters of a file in one record


def _piece_id(file_name: str, number: int) -> str:
    return f"{STATE_ID}.{file_name}.{number}"


def save(cluster: Cluster, stats: str, miner: AbbreviationMiner, suggestions: SuggestionCounter) -> None:
    """Store the miner's and the counter's files in collection ``stats``."""
    with tempfile.TemporaryDirectory(prefix="vnsearch-state-") as folder:
        miner.save(Path(folder))
        suggestions.save(Path(folder), miner.as_written())
        texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(Path(folder).iterdir())}
    records = []
    pieces: dict[str, int] = {}
    for name, text in texts.items():
        chunks = [text[i : i + PIECE] for i in range(0, len(text), PIECE)] or [""]
        pieces[name] = len(chunks)
        records += [{"id": _piece_id(name, k), "text": chunk} for k, chunk in enumerate(chunks)]
    for start in range(0, len(records), 20):  # a few MB a request
        cluster.import_documents(stats, records[start : start + 20])
    cluster.import_documents(stats, [{"id": STATE_ID, "pieces": json.dumps(pieces)}])


def load(cluster: Cluster, stats: str) -> tuple[AbbreviationMiner, SuggestionCounter] | None:
    """The miner and the counter as the last build or update left them; None when the
    collection was built without them (an update then rebuilds)."""
    listed = cluster.retrieve(stats, STATE_ID)
    if listed is None:
        return None
    pieces: dict[str, int] = json.loads(listed["pieces"])
    ids = [_piece_id(name, k) for name, count in pieces.items() for k in range(count)]
    found = cluster.lookup(stats, ids, "id,text")
    if len(found) != len(ids):
        return None
    with tempfile.TemporaryDirectory(prefix="vnsearch-state-") as folder:
        for name, count in pieces.items():
            text = "".join(found[_piece_id(name, k)]["text"] for k in range(count))
            (Path(folder) / name).write_text(text, encoding="utf-8")
        return AbbreviationMiner.load(Path(folder)), SuggestionCounter.load(Path(folder))


def revision(cluster: Cluster, stats: str) -> str | None:
    """The statistics' revision (None for a collection built before revisions)."""
    record = cluster.retrieve(stats, REVISION_ID)
    return None if record is None else str(record["revision"])


def set_revision(cluster: Cluster, stats: str, value: str) -> None:
    cluster.import_documents(stats, [{"id": REVISION_ID, "revision": value}])
