"""Build an index generation from sources, and swap it in atomically."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from search import fields
from search.analysis.pipeline import article_compounds, segmented
from search.analysis.views import Analysed
from search.backends.local import schema
from search.backends.local.postings import (
    DocumentTerms,
    PostingWriter,
    collisions,
    document_terms,
    merge_segments,
    segment_names,
)
from search.backends.local.storage import (
    building_generation,
    clone_generation,
    current_generation,
    publish,
    rebuild_lock,
    write_meta,
)
from search.children import tied_to_this_process
from search.indexing import BuildReport, Progress, changed_items, no_progress
from search.ingest.article import Article, Problem
from search.ingest.sources import read_sources
from search.lexicon.abbreviations import AbbreviationMiner
from search.lexicon.accents import AccentCounter, AccentVocabulary
from search.lexicon.suggestions import SuggestionCounter

_JOIN = "\n"  # no compound or syllable holds a newline: the lines of a text are apart


@dataclass
class IndexedArticle:
    """What the indexer needs of an article besides its stored fields, computed in a
    segmenting worker: its compounds (for "did you mean"), its accented syllables, and
    the postings of every view. The words travel to the main process as one string
    each (a string of many words pickles in one piece; a list, word by word)."""

    joined_compounds: str
    joined_accented: str
    terms: DocumentTerms

    @property
    def compounds(self) -> list[str]:
        return self.joined_compounds.split(_JOIN) if self.joined_compounds else []

    @property
    def accented(self) -> list[str]:
        """The distinct accented syllables."""
        return self.joined_accented.split(_JOIN) if self.joined_accented else []


def index_terms(article: Article) -> IndexedArticle:
    compounds = article_compounds(article)
    analysed = Analysed(article, compounds)
    accented = _JOIN.join(analysed.accented_syllables())
    return IndexedArticle(_JOIN.join(compounds), accented, document_terms(analysed))


def document_fields(article: Article) -> dict[str, Any]:
    """The Whoosh document of one article (its postings go to the posting store)."""
    doc: dict[str, Any] = {
        fields.ID_FIELD: article.id,
        fields.TITLE: article.title,
        fields.BODY: article.body,
        fields.DATE_ISO: article.date_iso,
        fields.AUTHOR: article.author,
        fields.URL: article.url,
    }
    if article.districts:
        doc[fields.DISTRICT] = fields.VALUE_SEPARATOR.join(article.districts)
    if article.year is not None:
        doc[fields.YEAR] = str(article.year)
    doc[fields.SORT_DATE] = article.sort_key
    return doc


class Digests:
    """Id -> fingerprint of the input of every document of a generation (``digests.tsv``)."""

    FILE_NAME = "digests.tsv"

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = known or {}

    def save(self, folder: Path) -> None:
        (folder / self.FILE_NAME).write_text(
            "".join(f"{doc_id}\t{value}\n" for doc_id, value in self.known.items()), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> Digests:
        path = folder / cls.FILE_NAME
        if not path.exists():
            return cls()
        with path.open(encoding="utf-8") as stream:
            return cls(dict(line.rstrip("\n").split("\t", 1) for line in stream if "\t" in line))


@dataclass
class _Build:
    """The state of one rebuild or update while documents stream in."""

    report: BuildReport
    digests: Digests
    miner: AbbreviationMiner = field(default_factory=AbbreviationMiner)
    accents: AccentCounter = field(default_factory=AccentCounter)
    suggestions: SuggestionCounter = field(default_factory=SuggestionCounter)

    def add(
        self, writer: Any, postings: PostingWriter, items: Iterable[Any], workers: int, replace: bool
    ) -> None:
        """Index ``items`` in order: Whoosh numbers the documents as it receives them
        (one writer, no merge), and so does the posting store."""
        add = writer.update_document if replace else writer.add_document
        try:
            indexed: IndexedArticle
            for item, indexed in segmented(items, workers, index_terms):
                if isinstance(item, Problem):
                    self.report.problems.append(item)
                    continue
                add(**document_fields(item))
                postings.add(indexed.terms)
                self.miner.add(f"{item.title}\n{item.body}", item.id)
                compounds = indexed.compounds
                self.accents.add_compounds(compounds)
                self.accents.add_accented(indexed.accented)
                self.suggestions.add(item.id, item.title, item.districts, compounds)
                self.digests.known[item.id] = item.fingerprint
                self.report.indexed += 1
        except BaseException:
            writer.cancel()
            postings.cancel()
            raise


def _finish(
    build: _Build,
    index: Any,
    building: Path,
    index_dir: Path,
    sources: list[Path],
    started: float,
    previous: Path | None = None,
    postings_written: Future[str] | None = None,
) -> BuildReport:
    """Save the generation's side files and metadata, and make it current (once the
    posting store, when it is still being written, is done)."""
    report = build.report
    abbreviations = build.miner.result()  # what the live documents define
    accents = build.accents
    abbreviations.save(building)
    build.miner.save(building)
    build.suggestions.save(building, build.miner.as_written())
    with index.reader() as reader:
        documents = reader.doc_count()
    vocabulary = accents.learned(report.indexed)
    if previous is not None:  # what the whole corpus said stands; new words are added
        vocabulary = AccentVocabulary({**vocabulary.forms, **AccentVocabulary.load(previous).forms})
    vocabulary.save(building)
    build.digests.save(building)
    if postings_written is not None:
        postings_written.result()  # raises what writing the store raised
    report.abbreviations = len(abbreviations)
    report.collisions = collisions(building)
    report.seconds = time.perf_counter() - started
    write_meta(
        building,
        {
            "schema_version": schema.SCHEMA_VERSION,
            "built_at": datetime.now().isoformat(timespec="seconds"),
            "sources": [str(s) for s in sources],
            "documents": documents,
            "indexed": report.indexed,
            "unchanged": report.unchanged,
            "deleted": report.deleted,
            "skipped": report.skipped,
            "abbreviations": report.abbreviations,
            "collisions": report.collisions,
            "seconds": round(report.seconds, 2),
        },
    )
    report.generation = publish(index_dir, building)
    return report


# Segments stay as separate files: Whoosh memory-maps those, but copies a compound
# file's term index into memory for every searcher (gigabytes on a large index).
WRITER_OPTIONS = {"compound": False}


class LostDocuments(RuntimeError):
    """The index does not hold the documents the build gave it, in the order given."""


def _check_numbering(index: Any, first_doc: int, build: _Build, building: Path) -> None:
    """Whoosh must have numbered the new documents ``first_doc`` onwards, as the posting
    store did; anything else would pair postings with the wrong articles."""
    with index.reader() as reader:
        expected = first_doc + build.report.indexed
        if reader.doc_count_all() != expected:
            shutil.rmtree(building, ignore_errors=True)
            raise LostDocuments(
                f"the new index holds {reader.doc_count_all()} document numbers where "
                f"{expected} were expected; the previous index is unchanged"
            )


# An update appends a segment and only marks replaced documents deleted; past either
# of these, the generation is compacted into one segment of live documents.
COMPACT_AT_SEGMENTS = 8
COMPACT_AT_DELETED = 0.25  # of all document numbers, and at least ...
COMPACT_AT_DELETED_MIN = 50  # ... this many (a few deleted of a small index cost nothing)


def compaction_due(index: Any, building: Path) -> bool:
    with index.reader() as reader:
        deleted, size = reader.doc_count_all() - reader.doc_count(), reader.doc_count_all()
    if len(segment_names(building)) > COMPACT_AT_SEGMENTS:
        return True
    return deleted >= COMPACT_AT_DELETED_MIN and deleted > COMPACT_AT_DELETED * size


def compact(index: Any, building: Path, sample: int = 1000) -> None:
    """Merge the generation's Whoosh segments and posting-store segments into one each,
    without deleted documents. Whoosh renumbers the live documents in order; the store
    is renumbered the same way, and a sample of documents is checked to prove it."""
    with index.reader() as reader:
        live = np.zeros(reader.doc_count_all(), dtype=bool)
        live[list(reader.all_doc_ids())] = True
        old = np.flatnonzero(live)
        checked = old[np.linspace(0, len(old) - 1, min(sample, len(old))).astype(np.intp)]
        expected = [reader.stored_fields(int(d))[fields.ID_FIELD] for d in checked]
    index.writer(**WRITER_OPTIONS).commit(optimize=True)  # not index.optimize(): a compound file
    merge_segments(building, live)
    renumbered = np.cumsum(live)[checked] - 1
    with index.reader() as reader:
        found = [reader.stored_fields(int(d))[fields.ID_FIELD] for d in renumbered]
        if reader.doc_count_all() != len(old) or found != expected:
            shutil.rmtree(building, ignore_errors=True)
            raise LostDocuments(
                "compacting the index renumbered its documents unexpectedly; the previous index is unchanged"
            )


def _generation_name() -> str:
    return datetime.now().strftime("gen-%Y%m%dT%H%M%S-%f")


def build_index(
    sources: Iterable[Path],
    index_dir: Path,
    progress: Progress = no_progress,
    memory_mb: int = 256,
    workers: int = 0,
) -> BuildReport:
    """Index every article of ``sources`` into a new generation and make it current.

    Raises :class:`search.errors.RebuildRunning` when another rebuild holds the lock.
    When nothing could be indexed, the current generation is left as it was.
    """
    started = time.perf_counter()
    sources = list(sources)
    with (
        rebuild_lock(index_dir),
        tied_to_this_process(),
        building_generation(index_dir, _generation_name()) as building,
    ):
        index = whoosh_index.create_in(str(building), schema.build_schema())
        writer = index.writer(limitmb=memory_mb, **WRITER_OPTIONS)
        postings = PostingWriter(building, first_doc=0)
        build = _Build(BuildReport(), Digests())
        build.add(writer, postings, progress(read_sources(sources, defer=True)), workers, replace=False)
        if build.report.indexed == 0:
            writer.cancel()
            postings.cancel()
            shutil.rmtree(building, ignore_errors=True)
            build.report.seconds = time.perf_counter() - started
            return build.report
        # The store's partitions are sorted (numpy, files: without the interpreter lock)
        # while Whoosh commits and the side files are saved.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="postings") as background:
            postings_written = background.submit(postings.finish)
            writer.commit()
            _check_numbering(index, 0, build, building)
            return _finish(
                build, index, building, index_dir, sources, started, postings_written=postings_written
            )


def _delete_vanished(writer: Any, build: _Build, gone: list[str]) -> None:
    """Delete the documents no source has any more (none when the sources had nothing
    readable: an update never deletes everything by accident)."""
    for doc_id in gone:
        writer.delete_by_term(fields.ID_FIELD, doc_id)
        del build.digests.known[doc_id]
    build.miner.forget(gone)
    build.suggestions.forget(gone)
    build.report.deleted = len(gone)


def update_index(
    sources: Iterable[Path],
    index_dir: Path,
    progress: Progress = no_progress,
    memory_mb: int = 256,
    workers: int = 0,
) -> BuildReport:
    """Bring the index in line with ``sources`` without a full rebuild: new and changed
    articles are indexed, unchanged ones skipped without being parsed (their input has
    the fingerprint the index recorded), and documents no
    source has any more are deleted. The result is a new generation, swapped in
    atomically like a rebuild; with no index yet, this is a rebuild.
    """
    started = time.perf_counter()
    sources = list(sources)
    previous = current_generation(index_dir)
    if (
        previous is None or not schema.readable(previous) or not (previous / Digests.FILE_NAME).exists()
    ):  # nothing to compare with: a rebuild is the faster way
        return build_index(sources, index_dir, progress, memory_mb, workers)
    with (
        rebuild_lock(index_dir),
        tied_to_this_process(),
        building_generation(index_dir, _generation_name()) as building,
    ):
        previous = current_generation(index_dir) or previous
        clone_generation(previous, building)
        index = whoosh_index.open_dir(str(building))
        old = Digests.load(previous)
        build = _Build(
            BuildReport(),
            Digests(dict(old.known)),
            AbbreviationMiner.load(previous),
            suggestions=SuggestionCounter.load(previous, held=old.known.keys()),
        )
        seen: set[str] = set()
        with index.reader() as reader:
            first_doc = reader.doc_count_all()
        writer = index.writer(limitmb=memory_mb, **WRITER_OPTIONS)
        postings = PostingWriter(building, first_doc)
        items = changed_items(progress(read_sources(sources, old.known, defer=True)), seen, build.report)
        build.add(writer, postings, items, workers, replace=True)
        _delete_vanished(
            writer, build, [doc_id for doc_id in old.known if doc_id not in seen] if seen else []
        )
        postings.finish()
        writer.commit(merge=False)  # a merge would renumber the documents the store has
        _check_numbering(index, first_doc, build, building)
        if compaction_due(index, building):
            compact(index, building)
        return _finish(build, index, building, index_dir, sources, started, previous)
