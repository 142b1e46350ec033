"""Build an index generation from sources, and swap it in atomically."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search import schema as f
from search.abbreviations import AbbreviationMiner
from search.ingest.article import Article, Problem
from search.ingest.sources import read_sources
from search.pipeline import segmented
from search.storage import new_generation, publish, rebuild_lock, write_meta
from search.suggest import AccentCounter

Progress = Callable[[Iterable[Any]], Iterable[Any]]


@dataclass
class BuildReport:
    """What a rebuild did: shown to the operator and stored in the generation's meta."""

    indexed: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    generation: Path | None = None
    abbreviations: int = 0

    @property
    def skipped(self) -> int:
        return len(self.problems)


UNKNOWN_DATE = datetime(1900, 1, 1)


def sort_date(article: Article) -> datetime:
    """When to place the article in a newest-first list: its date; else the start of
    its (inferred) year; else after everything dated."""
    when = article.date
    if isinstance(when, datetime):
        return when
    if when is not None:
        return datetime(when.year, when.month, when.day)
    if article.year is not None:
        return datetime(article.year, 1, 1)
    return UNKNOWN_DATE


def document_fields(article: Article, compounds: list[str]) -> dict[str, Any]:
    """The Whoosh document of one article (every view of its text); ``compounds`` are
    its segmented words (:func:`search.pipeline.compounds_of`)."""
    doc: dict[str, Any] = {
        f.ID_FIELD: article.id,
        f.TITLE: article.title,
        f.TITLE_FOLDED: article.title,
        f.BODY: article.body,
        f.BODY_FOLDED: article.body,
        f.WORDS: " ".join(compounds),
        f.PAIRS: f"{article.title}\n{article.body}",
        "date_iso": article.date_iso,
        "author": article.author,
        "url": article.url,
    }
    if article.districts:
        doc[f.DISTRICT] = ",".join(article.districts)
    if article.year is not None:
        doc[f.YEAR] = str(article.year)
    doc[f.SORT_DATE] = sort_date(article)
    return doc


def build_index(
    sources: Iterable[Path],
    index_dir: Path,
    progress: Progress = lambda items: items,
    memory_mb: int = 256,
    workers: int = 0,
) -> BuildReport:
    """Index every article of ``sources`` into a new generation and make it current.

    Raises :class:`search.storage.RebuildRunning` when another rebuild holds the lock.
    When nothing could be indexed, the current generation is left as it was.
    """
    started = time.perf_counter()
    report = BuildReport()
    sources = list(sources)
    with rebuild_lock(index_dir):
        name = datetime.now().strftime("gen-%Y%m%dT%H%M%S-%f")
        building = new_generation(index_dir, name)
        index = whoosh_index.create_in(str(building), f.build_schema())
        writer = index.writer(limitmb=memory_mb)
        miner = AbbreviationMiner()
        accents = AccentCounter()
        try:
            for item, compounds in segmented(progress(read_sources(sources)), workers):
                if isinstance(item, Problem):
                    report.problems.append(item)
                    continue
                writer.add_document(**document_fields(item, compounds))
                miner.add(f"{item.title}\n{item.body}")
                accents.add_compounds(compounds)
                report.indexed += 1
        except BaseException:
            writer.cancel()
            raise
        if report.indexed == 0:
            writer.cancel()
            shutil.rmtree(building, ignore_errors=True)
            report.seconds = time.perf_counter() - started
            return report
        writer.commit()
        abbreviations = miner.result()
        abbreviations.save(building)
        with index.reader() as reader:
            for syllable, info in reader.iter_field(f.BODY):
                accents.add_syllable(syllable.decode("utf-8"), info.doc_frequency())
        accents.result(min_count=2 if report.indexed >= 1000 else 1).save(building)
        report.abbreviations = len(abbreviations)
        report.seconds = time.perf_counter() - started
        write_meta(
            building,
            {
                "schema_version": f.SCHEMA_VERSION,
                "built_at": datetime.now().isoformat(timespec="seconds"),
                "sources": [str(s) for s in sources],
                "documents": report.indexed,
                "skipped": report.skipped,
                "abbreviations": report.abbreviations,
                "seconds": round(report.seconds, 2),
            },
        )
        report.generation = publish(index_dir, building)
    return report
