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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from search.analysis.analyzers import COMPOUND_JOINER
from search.analysis.pipeline import segmented
from search.analysis.views import Analysed, quantised
from search.backends.typesense import impacts, records, state
from search.backends.typesense.cluster import Cluster
from search.children import tied_to_this_process
from search.indexing import BuildReport, Progress, changed_items, no_progress
from search.ingest.article import Problem
from search.ingest.sources import read_sources
from search.lexicon.abbreviations import AbbreviationMiner
from search.lexicon.accents import AccentCounter
from search.lexicon.suggestions import HEADLINE, SuggestionCounter
from search.query.fillers import common_fillers

BATCH = 200
STATS_BATCH = 5000
MAX_SUGGESTIONS = 50_000  # candidates kept in the metadata record
META_ID = "~meta"
# The metadata lists the terms of these views found in more than FREQUENT_AT documents.
FREQUENT_VIEWS = (records.BODY_FOLDED, records.TITLE_FOLDED, records.PAIRS)
FREQUENT_AT = 100


class _Statistics:
    """Document frequency of every term of every view, and the views' total lengths."""

    def __init__(self) -> None:
        self.frequencies = {view: Counter[str]() for view in records.VIEWS.values()}
        self.lengths: dict[str, float] = dict.fromkeys(self.frequencies, 0.0)
        self.documents = 0

    def count(self, tokens: dict[str, list[str]], sign: int = 1) -> None:
        """Count one article's view tokens in (``sign`` 1) or out (-1, an update's
        replaced or deleted article)."""
        self.documents += sign
        for view, found in tokens.items():
            if sign > 0:
                self.frequencies[view].update(set(found))
            else:
                self.frequencies[view].subtract(set(found))
            self.lengths[view] += sign * quantised(len(found))

    def records(self, postings: dict[tuple[str, str], str]) -> Iterator[dict[str, Any]]:
        """One record a syllable; one a compound or pair that two or more documents
        have (the many others are in at most one document: the scorer counts one); a
        term's encoded impact ``postings``, where it has them, in its record."""
        for view, counts in self.frequencies.items():
            for term, n in counts.items():
                if records.has_record(view, n):
                    record: dict[str, Any] = {"id": records.stat_id(view, term), "n": n}
                    encoded = postings.get((view, term))
                    if encoded is not None:
                        record[impacts.FIELD] = encoded
                    yield record

    def frequent(self) -> dict[str, dict[str, int]]:
        """The folded syllables and pairs in more than :data:`FREQUENT_AT` documents, by
        view, with their document frequencies: an engine knows from these alone which of
        a query's tokens are rare enough to list (:data:`FREQUENT_VIEWS`)."""
        return {
            view: {term: n for term, n in self.frequencies[view].items() if n > FREQUENT_AT}
            for view in FREQUENT_VIEWS
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
    next_seq: int = 1  # the number the next article gets (``seq``: the order of stored_texts)
    postings: impacts.Collector = field(default_factory=impacts.Collector)


def _import_articles(
    cluster: Cluster,
    name: str,
    items: Iterable[Any],
    workers: int,
    report: BuildReport,
    learned: _Learned,
    before_import: Callable[[list[str]], None] = lambda ids: None,
    postings: Callable[[int, dict[str, list[str]]], None] | None = None,
) -> None:
    """Analyse the articles of ``items`` and import their records into the index and
    content collections, a batch at a time; ``before_import`` is told each batch's ids
    first (an update uncounts the versions the batch replaces); ``postings`` is given
    each article's seq number and view tokens (by default the build's collector)."""
    add_postings = postings or learned.postings.add

    def analysed_documents() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        compounds: list[str]
        for item, compounds in segmented(items, workers):
            if isinstance(item, Problem):
                report.problems.append(item)
                continue
            analysed = Analysed(item, compounds)
            tokens = records.view_tokens(analysed)
            learned.statistics.count(tokens)
            add_postings(learned.next_seq, tokens)
            learned.miner.add(f"{item.title}\n{item.body}", item.id)
            learned.accents.add_compounds(compounds)
            learned.suggestions.add(item.id, item.title, item.districts, compounds)
            report.indexed += 1
            learned.next_seq += 1
            yield records.documents(item, analysed, learned.next_seq - 1)

    for batch in _batches(analysed_documents(), BATCH):
        before_import([indexed["id"] for indexed, _content in batch])
        cluster.import_documents(name, [indexed for indexed, _content in batch])
        cluster.import_documents(records.content_collection(name), [content for _indexed, content in batch])


# (view, terms) -> the document frequency of each term
FrequenciesOf = Callable[[str, list[str]], list[int]]


def _learned_fillers(documents: int, frequencies_of: FrequenciesOf) -> list[str]:
    """The stopwords most documents have, as the local backend learns them at open
    (:func:`search.query.fillers.common_fillers`), for the metadata."""
    found = common_fillers(
        documents,
        lambda words: frequencies_of(records.BODY, words),
        lambda pairs: frequencies_of(records.PAIRS, [f"{a}{COMPOUND_JOINER}{b}" for a, b in pairs]),
    )
    return sorted(found.learned)


def _meta(
    cluster: Cluster,
    name: str,
    learned: _Learned,
    accents: dict[str, str],
    frequent: dict[str, dict[str, int]],
    fillers: list[str],
    report: BuildReport,
    sources: list[Path],
) -> dict[str, Any]:
    """The metadata record of collection ``name`` (read by every engine)."""
    abbreviations = learned.miner.result()
    report.abbreviations = len(abbreviations)
    statistics = learned.statistics
    documents = cluster.count(name)
    return {
        "documents": documents,
        "averages": {
            view: (total / documents if documents else 1.0) for view, total in statistics.lengths.items()
        },
        "length_sums": statistics.lengths,
        "abbreviations": abbreviations.pairs,
        "accents": accents,
        "frequent": frequent,
        "fillers": fillers,
        # no headlines, and the most used phrases only: the record stays small
        "suggestions": [
            entry for entry in learned.suggestions.entries(learned.miner.as_written()) if entry[0] != HEADLINE
        ][:MAX_SUGGESTIONS],
        "built_at": datetime.now().isoformat(timespec="seconds"),
        "sources": [str(s) for s in sources],
        "indexed": report.indexed,
        "unchanged": report.unchanged,
        "deleted": report.deleted,
        "skipped": report.skipped,
        "next_seq": learned.next_seq,
        "impacts": True,  # the statistics records carry impact postings (:mod:`.impacts`)
    }


def _publish_meta(
    cluster: Cluster, name: str, learned: _Learned, meta: dict[str, Any], started: float
) -> None:
    """The update's state, the metadata record, then a new revision (engines that see
    it read the metadata again)."""
    stats = records.stats_collection(name)
    state.save(cluster, stats, learned.miner, learned.suggestions)
    meta["seconds"] = round(time.perf_counter() - started, 2)
    cluster.import_documents(stats, [{"id": META_ID, "meta": json.dumps(meta, ensure_ascii=False)}])
    state.set_revision(cluster, stats, datetime.now().strftime("%Y%m%dT%H%M%S%f"))


def _import_statistics(
    cluster: Cluster, name: str, learned: _Learned, report: BuildReport, sources: list[Path], started: float
) -> None:
    """The document frequencies and the build's metadata, into the statistics collection."""
    for syllable, n in learned.statistics.frequencies[records.BODY].items():
        learned.accents.add_syllable(syllable, n)
    statistics = learned.statistics
    averages = {view: total / max(1, statistics.documents) for view, total in statistics.lengths.items()}
    postings = {
        (view, term): encoded
        for view, term, encoded in learned.postings.encoded(averages, statistics.frequencies)
    }
    for batch in _batches(statistics.records(postings), STATS_BATCH):
        cluster.import_documents(records.stats_collection(name), batch)
    del postings
    accents = learned.accents.learned(report.indexed).forms
    counts = learned.statistics.frequencies
    fillers = _learned_fillers(report.indexed, lambda view, terms: [counts[view].get(t, 0) for t in terms])
    meta = _meta(cluster, name, learned, accents, learned.statistics.frequent(), fillers, report, sources)
    _publish_meta(cluster, name, learned, meta, started)


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
    return _locked(sources, progress, workers, cluster, update=False)


def _locked(
    sources: Iterable[Path], progress: Progress, workers: int, cluster: Cluster | None, update: bool
) -> BuildReport:
    """A rebuild, or an update of the live collection when it can be updated, under the
    alias's rebuild lock."""
    started = time.perf_counter()
    cluster = cluster or Cluster.from_environment()
    sources = list(sources)
    with cluster.rebuild_lock(), tied_to_this_process():  # workers die with a killed rebuild
        name = cluster.resolve_alias() if update else None
        previous = _previous(cluster, name) if name else None
        if previous is None:
            return _build(cluster, sources, progress, workers, started)
        return _update(cluster, previous, sources, progress, workers, started)


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
        learned = _Learned()
        items = progress(read_sources(sources, defer=True))
        _import_articles(cluster, name, items, workers, report, learned)
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


# -- updates -------------------------------------------------------------------------------


@dataclass
class _Previous:
    """What an update reads of the live collection: its metadata, the lexicon's state,
    and the fingerprint of every article's input."""

    name: str
    meta: dict[str, Any]
    miner: AbbreviationMiner
    suggestions: SuggestionCounter
    fingerprints: dict[str, str]


def _previous(cluster: Cluster, name: str) -> _Previous | None:
    """The live collection's state, or None when it was built without what an update
    needs (before updates existed): the update is then a rebuild."""
    stats = records.stats_collection(name)
    record = cluster.retrieve(stats, META_ID)
    meta = json.loads(record["meta"]) if record else {}
    needed = ("length_sums", "next_seq", "frequent", "impacts")
    lexicon = state.load(cluster, stats) if all(key in meta for key in needed) else None
    if lexicon is None:
        return None
    fingerprints = {
        row["id"]: row[records.FINGERPRINT]
        for row in cluster.export(records.content_collection(name), f"id,{records.FINGERPRINT}")
        if row.get(records.FINGERPRINT)
    }
    if len(fingerprints) != int(meta["documents"]):
        return None
    return _Previous(name, meta, *lexicon, fingerprints)


def update_collection(
    sources: Iterable[Path],
    index_dir: Path | None = None,
    progress: Progress = no_progress,
    memory_mb: int = 256,
    workers: int = 0,
    cluster: Cluster | None = None,
) -> BuildReport:
    """Bring the live collection in line with ``sources`` in place: new and changed
    articles are imported (unchanged ones skipped unparsed, by their input's
    fingerprint), articles no source has any more are deleted, and the document
    frequencies, lengths, abbreviations, suggestions and accents follow. Without a
    collection that can be updated, this is a rebuild. ``index_dir`` and ``memory_mb``
    are ignored, as in :func:`build_collection`.
    """
    del index_dir, memory_mb
    return _locked(sources, progress, workers, cluster, update=True)


class _Changes:
    """The statistics an update changes: view tokens counted in and out, the impact
    postings of the articles taken out and put in, and the records of the terms whose
    document frequency or postings moved, written back."""

    def __init__(self, cluster: Cluster, name: str, meta: dict[str, Any]) -> None:
        self.cluster = cluster
        self.content = records.content_collection(name)
        self.stats = records.stats_collection(name)
        self.counts = _Statistics()
        self.averages: dict[str, float] = meta["averages"]
        self.removed: dict[tuple[str, str], set[int]] = {}
        self.added: dict[tuple[str, str], dict[int, int]] = {}

    def uncount(self, ids: list[str]) -> None:
        """Count out the stored versions of these articles (those the collection has)."""
        fields_wanted = ",".join(("id", "seq", *records.SEQUENCES))
        for stored in self.cluster.lookup(self.content, ids, fields_wanted).values():
            tokens = records.stored_view_tokens(stored)
            self.counts.count(tokens, -1)
            for view in impacts.VIEWS:
                for term in set(tokens[view]):
                    self.removed.setdefault((view, term), set()).add(int(stored["seq"]))

    def add_postings(self, seq: int, tokens: dict[str, list[str]]) -> None:
        """Remember a new article's impact postings (with the collection's averages)."""
        for view, term, weight in impacts.document_impacts(tokens, self.averages):
            self.added.setdefault((view, term), {})[seq] = weight

    def _postings(self, view: str, term: str, record: dict[str, Any] | None) -> str | None:
        """A term's impact postings after the update (a pair the build saw in one
        article had no record: its postings start with the update's articles)."""
        if view not in impacts.VIEWS:
            return None
        before = record.get(impacts.FIELD) if record is not None else None
        key = (view, term)
        return impacts.edited(before, self.removed.get(key, set()), self.added.get(key, {}))

    def write(self) -> dict[tuple[str, str], int]:
        """Apply the counted changes to the statistics records; the new document
        frequency of each (view, term) that moved. A compound or pair without a record (one the last
        build counted in at most one article) is taken as in none: its count can be one
        below a rebuild's until the next rebuild."""
        moved = {
            records.stat_id(view, term): (view, term, n)
            for view, counts in self.counts.frequencies.items()
            for term, n in counts.items()
            if n
        }
        for view, term in [*self.removed, *self.added]:  # postings moved, maybe not the count
            moved.setdefault(records.stat_id(view, term), (view, term, 0))
        current = self.cluster.lookup(self.stats, sorted(moved), f"id,n,{impacts.FIELD}")
        upserts, deletes, found = [], [], {}
        for stat_id, (view, term, change) in moved.items():
            n = (int(current[stat_id]["n"]) if stat_id in current else 0) + change
            if change:
                found[view, term] = n
            if records.has_record(view, n):
                record: dict[str, Any] = {"id": stat_id, "n": n}
                postings = self._postings(view, term, current.get(stat_id))
                if postings is not None:
                    record[impacts.FIELD] = postings
                upserts.append(record)
            elif stat_id in current:
                deletes.append(stat_id)
        for batch in _batches(upserts, STATS_BATCH):
            self.cluster.import_documents(self.stats, batch)
        self.cluster.delete_documents(self.stats, deletes)
        return found


def _frequent_after(
    frequent: dict[str, dict[str, int]], moved: dict[tuple[str, str], int]
) -> dict[str, dict[str, int]]:
    """The metadata's frequent terms (:meth:`_Statistics.frequent`) after an update
    moved these terms' document frequencies."""
    after = {view: dict(frequent.get(view, {})) for view in FREQUENT_VIEWS}
    for (view, term), n in moved.items():
        if view in after:
            if n > FREQUENT_AT:
                after[view][term] = n
            else:
                after[view].pop(term, None)
    return after


def _update(
    cluster: Cluster,
    previous: _Previous,
    sources: list[Path],
    progress: Progress,
    workers: int,
    started: float,
) -> BuildReport:
    """:func:`update_collection`'s work on the live collection, under the rebuild lock."""
    name, meta = previous.name, previous.meta
    report = BuildReport()
    changes = _Changes(cluster, name, meta)
    learned = _Learned(
        changes.counts, previous.miner, suggestions=previous.suggestions, next_seq=int(meta["next_seq"])
    )
    known = previous.fingerprints
    seen: set[str] = set()
    items = changed_items(progress(read_sources(sources, known, defer=True)), seen, report)
    _import_articles(
        cluster,
        name,
        items,
        workers,
        report,
        learned,
        before_import=lambda ids: changes.uncount([i for i in ids if i in known]),
        postings=changes.add_postings,
    )
    gone = [doc_id for doc_id in known if doc_id not in seen] if seen else []  # never all by accident
    changes.uncount(gone)
    for collection in (name, records.content_collection(name)):
        cluster.delete_documents(collection, gone)
    learned.miner.forget(gone)
    learned.suggestions.forget(gone)
    report.deleted = len(gone)
    if report.indexed == 0 and not gone:
        report.seconds = time.perf_counter() - started
        report.generation = Path(f"typesense:{name}")
        return report
    moved = changes.write()
    for (view, term), n in moved.items():
        if view == records.BODY:
            learned.accents.add_syllable(term, n)
    learned.statistics.lengths = {
        view: meta["length_sums"].get(view, 0.0) + change for view, change in changes.counts.lengths.items()
    }
    # what the whole corpus said stands; the update's new words are added
    accents = {**learned.accents.learned(report.indexed).forms, **meta["accents"]}
    frequent = _frequent_after(meta.get("frequent", {}), moved)
    stats = records.stats_collection(name)

    def frequencies_of(view: str, terms: list[str]) -> list[int]:
        found = cluster.lookup(stats, [records.stat_id(view, t) for t in terms], "id,n")
        return [
            int(found[records.stat_id(view, t)]["n"]) if records.stat_id(view, t) in found else 0
            for t in terms
        ]

    fillers = _learned_fillers(cluster.count(name), frequencies_of)
    meta = _meta(cluster, name, learned, accents, frequent, fillers, report, sources)
    _publish_meta(cluster, name, learned, meta, started)
    report.seconds = time.perf_counter() - started
    report.generation = Path(f"typesense:{name}")
    return report
