"""``vnsearch index`` on a Typesense cluster: build a new collection, then swap the alias.

Readers resolve the alias (``VNSEARCH_TYPESENSE_COLLECTION``, default ``vnsearch``) to
one built collection. A rebuild writes ``<alias>-<time>`` (the articles) and
``<alias>-<time>-stats`` (document frequencies and metadata) and ``<alias>-<time>-docs``
(display fields and token sequences), moves the alias in one
request, then drops the older collections; if it fails half-way, its collections are
dropped and the alias keeps pointing at the old ones.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from search.analysis.pipeline import segmented
from search.analysis.views import Analysed, quantised
from search.backends.typesense import records
from search.backends.typesense.cluster import Cluster
from search.indexing import BuildReport, Progress, no_progress
from search.ingest.article import Problem
from search.ingest.sources import read_sources
from search.lexicon.abbreviations import AbbreviationMiner
from search.lexicon.accents import AccentCounter
from search.lexicon.suggestions import HEADLINE, SuggestionCounter

BATCH = 200
STATS_BATCH = 5000
MAX_SUGGESTIONS = 50_000  # candidates kept in the metadata record
META_ID = "~meta"
SPARSE_VIEWS = (records.WORDS, records.PAIRS)


class _Statistics:
    """Document frequency of every term of every view, and the views' total lengths."""

    def __init__(self) -> None:
        self.frequencies = {view: Counter[str]() for view in records.VIEWS.values()}
        self.lengths: dict[str, float] = dict.fromkeys(self.frequencies, 0.0)
        self.documents = 0

    def add(self, analysed: Analysed) -> None:
        self.documents += 1
        for view, tokens in records.view_tokens(analysed).items():
            self.frequencies[view].update(set(tokens))
            self.lengths[view] += quantised(len(tokens))

    def records(self) -> Iterator[dict[str, Any]]:
        """One record a syllable; one a compound or pair that two or more documents
        have (the many others are in at most one document: the scorer counts one)."""
        for view, counts in self.frequencies.items():
            least = 2 if view in SPARSE_VIEWS else 1
            for term, n in counts.items():
                if n >= least:
                    yield {"id": records.stat_id(view, term), "n": n}

    def averages(self) -> dict[str, float]:
        return {
            view: (self.lengths[view] / self.documents if self.documents else 1.0)
            for view in self.frequencies
        }


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class _Learned:
    """What a build learns beside the records: statistics, abbreviations, accents."""

    statistics: _Statistics = field(default_factory=_Statistics)
    miner: AbbreviationMiner = field(default_factory=AbbreviationMiner)
    accents: AccentCounter = field(default_factory=AccentCounter)
    suggestions: SuggestionCounter = field(default_factory=SuggestionCounter)


def _import_articles(
    cluster: Cluster, name: str, sources: list[Path], progress: Progress, workers: int, report: BuildReport
) -> _Learned:
    """Analyse every article and import its records into the index and content collections."""
    learned = _Learned()

    def analysed_documents() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        compounds: list[str]
        for item, compounds in segmented(progress(read_sources(sources, defer=True)), workers):
            if isinstance(item, Problem):
                report.problems.append(item)
                continue
            analysed = Analysed(item, compounds)
            learned.statistics.add(analysed)
            learned.miner.add(f"{item.title}\n{item.body}", item.id)
            learned.accents.add_compounds(compounds)
            learned.suggestions.add(item.id, item.title, item.districts, compounds)
            report.indexed += 1
            yield records.documents(item, analysed, report.indexed)

    for batch in _batches(analysed_documents(), BATCH):
        cluster.import_documents(name, [indexed for indexed, _content in batch])
        cluster.import_documents(records.content_collection(name), [content for _indexed, content in batch])
    return learned


def _import_statistics(
    cluster: Cluster, name: str, learned: _Learned, report: BuildReport, sources: list[Path], started: float
) -> None:
    """The document frequencies and the build's metadata, into the statistics collection."""
    for syllable, n in learned.statistics.frequencies[records.BODY].items():
        learned.accents.add_syllable(syllable, n)
    for batch in _batches(learned.statistics.records(), STATS_BATCH):
        cluster.import_documents(records.stats_collection(name), batch)
    abbreviations = learned.miner.result()
    report.abbreviations = len(abbreviations)
    report.seconds = time.perf_counter() - started
    meta = {
        "documents": cluster.count(name),
        "averages": learned.statistics.averages(),
        "abbreviations": abbreviations.pairs,
        "accents": learned.accents.learned(report.indexed).forms,
        # no headlines, and the most used phrases only: the record stays small
        "suggestions": [
            entry for entry in learned.suggestions.entries(learned.miner.as_written()) if entry[0] != HEADLINE
        ][:MAX_SUGGESTIONS],
        "built_at": datetime.now().isoformat(timespec="seconds"),
        "sources": [str(s) for s in sources],
        "indexed": report.indexed,
        "skipped": report.skipped,
        "seconds": round(report.seconds, 2),
    }
    cluster.import_documents(
        records.stats_collection(name), [{"id": META_ID, "meta": json.dumps(meta, ensure_ascii=False)}]
    )


def build_collection(
    sources: Iterable[Path],
    index_dir: Path | None = None,
    progress: Progress = no_progress,
    memory_mb: int = 256,
    workers: int = 0,
    cluster: Cluster | None = None,
) -> BuildReport:
    """Index every article of ``sources`` into a new collection and point the alias at it.

    ``index_dir`` and ``memory_mb`` are the Whoosh builder's and are ignored here.
    """
    del index_dir, memory_mb
    started = time.perf_counter()
    cluster = cluster or Cluster.from_environment()
    sources = list(sources)
    with cluster.rebuild_lock():
        return _build(cluster, sources, progress, workers, started)


def _build(
    cluster: Cluster, sources: list[Path], progress: Progress, workers: int, started: float
) -> BuildReport:
    """:func:`build_collection`'s work, under the alias's rebuild lock."""
    name = records.build_name(cluster.alias, datetime.now())
    report = BuildReport()
    cluster.create_collection(records.schema(name))
    try:
        cluster.create_collection(records.stats_schema(records.stats_collection(name)))
        cluster.create_collection(records.content_schema(records.content_collection(name)))
        learned = _import_articles(cluster, name, sources, progress, workers, report)
        if report.indexed == 0:
            raise _NothingIndexed
        _import_statistics(cluster, name, learned, report, sources, started)
    except BaseException as error:
        for collection in (name, records.stats_collection(name), records.content_collection(name)):
            cluster.drop_collection(collection)
        if isinstance(error, _NothingIndexed):
            report.seconds = time.perf_counter() - started
            return report
        raise
    previous = cluster.resolve_alias()
    cluster.point_alias(name)
    cluster.drop_older(name, previous)
    report.seconds = time.perf_counter() - started
    report.generation = Path(f"typesense:{name}")
    return report


class _NothingIndexed(Exception):
    pass
