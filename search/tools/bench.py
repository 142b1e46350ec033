"""Benchmarks: indexing throughput and query latency (figures, never pass/fail)."""

from __future__ import annotations

import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.results import SearchRequest

# Queries a reader of the seed corpus types: accented, unaccented, phrases, filters.
DEFAULT_QUERIES = (
    "chuong my",
    "Chương Mỹ",
    "Phú Xuyên",
    "nha cong vu giao vien",
    "phong trào thi đua",
    '"phong trào thi đua" -Tây',
    "LĐLĐ",
    "liên đoàn lao động",
    "công đoàn giáo dục",
    "sáng kiến kinh nghiệm năm học",
    "tay ho",
    "giao duc va dao tao",
)


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    slowest: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.count} queries: p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, "
            f"p99 {self.p99:.1f} ms, mean {self.mean:.1f} ms, max {self.slowest:.1f} ms"
        )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency_of(samples_ms: list[float]) -> Latency:
    return Latency(
        len(samples_ms),
        percentile(samples_ms, 0.50),
        percentile(samples_ms, 0.95),
        percentile(samples_ms, 0.99),
        statistics.fmean(samples_ms),
        max(samples_ms),
    )


def _tree(pid: int) -> list[psutil.Process]:
    """Process ``pid`` and all its descendants (none once it has ended): a rebuild's
    segmenting and writing workers, or a server's worker processes."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of process ``pid`` and its descendants (0 once it has ended)."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) that process ``pid`` and its running descendants
    have used so far (0 once it has ended)."""
    total = 0.0
    for member in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = member.cpu_times()
            total += times.user + times.system
    return total


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def beir_queries(path: Path) -> dict[str, str]:
    """Query id -> text from a BEIR queries.jsonl ({"_id", "text"} a line)."""
    with path.open(encoding="utf-8") as stream:
        return {str(r["_id"]): r["text"] for r in map(json.loads, filter(str.strip, stream))}


def read_queries(path: Path | None, limit: int | None) -> list[str]:
    """Queries from a BEIR queries.jsonl or a text file (one a line); built-in ones
    when ``path`` is None."""
    if path is None:
        queries = list(DEFAULT_QUERIES)
    elif path.suffix == ".jsonl":
        queries = list(beir_queries(path).values())
    else:
        queries = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return queries[:limit] if limit else queries


def time_queries(engine: LocalEngine, queries: list[str], repeat: int) -> Iterator[float]:
    """Milliseconds per full search (ranking, highlighted snippets, facet counts)."""
    for _ in range(repeat):
        for text in queries:
            started = time.perf_counter()
            engine.search(SearchRequest(query=text[:1000]))
            yield (time.perf_counter() - started) * 1000


def run(sources: list[Path], queries: list[str], repeat: int, index_dir: Path | None) -> dict[str, object]:
    """Index ``sources`` into a fresh folder, then time ``queries``; return the figures."""
    with tempfile.TemporaryDirectory(prefix="vnsearch-bench-") as scratch:
        folder = index_dir or Path(scratch)
        started = time.perf_counter()
        report = build_index(sources, folder)
        seconds = time.perf_counter() - started
        engine = LocalEngine(folder)
        engine.search(SearchRequest(query="khởi động"))  # load pyvi and open the index
        latency = latency_of(list(time_queries(engine, queries, repeat)))
        generation = report.generation
        return {
            "documents": report.indexed,
            "skipped": report.skipped,
            "index_seconds": round(seconds, 2),
            "docs_per_second": round(report.indexed / seconds, 1) if seconds else None,
            "index_bytes": folder_size(generation) if generation else 0,
            "latency_ms": latency,
        }
