"""The scale benchmark: for each corpus size, build, serve and query each engine.

For every size N (the first N articles of the sources, in order) and every engine
(vnsearch, and plain Whoosh as the baseline, see :mod:`search.tools.plainwhoosh`), it
measures the full build (wall time, docs/s, peak resident memory of the indexing
process and all its workers, index size on disk), then starts that engine's server
and times every query, one at a time, through its JSON API (ranked hits, highlighted
snippets, facet counts), then vnsearch's suggestions for what a reader has typed of each
query, and reads the server's resident memory afterwards.
Every figure is printed as soon as it is known, and appended to a JSON-lines file.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

from search.tools.bench import folder_size, latency_of, tree_rss_bytes
from search.tools.loadtest import typed_so_far

SAMPLE_EVERY_S = 0.25
START_TIMEOUT_S = 600  # a server loads a large index before it answers
WARM_UP_QUERIES = 20
ENGINES = ("vnsearch", "plain-whoosh")
BASELINE_QUERIES = 200
# Both engines measured here are Whoosh indexes in folders, whatever backend the shell chose.
_ENV = {**os.environ, "VNSEARCH_BACKEND": "whoosh"}


@dataclass
class Figures:
    engine: str
    documents: int
    index_seconds: float
    index_cpu_seconds: float
    docs_per_second: float
    indexer_peak_rss_mib: float
    index_mib: float
    queries: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    suggest_p50_ms: float = 0.0  # /api/suggest for what a reader has typed of each query
    suggest_p95_ms: float = 0.0
    server_rss_mib: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.engine:>12} {self.documents:>7} docs: index {self.index_seconds:7.1f} s "
            f"({self.docs_per_second:6.1f} docs/s, {self.index_cpu_seconds:.0f} CPU s, "
            f"peak {self.indexer_peak_rss_mib:6.0f} MiB, "
            f"{self.index_mib:6.0f} MiB on disk); {self.queries} queries, {self.errors} errors, "
            f"p50 {self.p50_ms:.1f} / p95 {self.p95_ms:.1f} / p99 {self.p99_ms:.1f} ms; "
            f"suggest p50 {self.suggest_p50_ms:.1f} / p95 {self.suggest_p95_ms:.1f} ms; "
            f"server {self.server_rss_mib:.0f} MiB"
        )


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def write_first(sources: list[Path], count: int, target: Path) -> int:
    """Copy the first ``count`` records of the JSONL ``sources`` (in order) to ``target``."""
    written = 0
    with target.open("w", encoding="utf-8") as out:
        for source in sources:
            with _open(source) as stream:
                for line in stream:
                    if written == count:
                        return written
                    if line.strip():
                        out.write(line if line.endswith("\n") else line + "\n")
                        written += 1
    return written


def run_measured(command: list[str]) -> tuple[float, int, float]:
    """Run ``command`` to its end; (seconds, peak resident bytes of its process tree,
    CPU seconds of the tree). CPU time does not depend on what else the machine runs.
    Raises with its output when it fails."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_ENV)
    peak = 0
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(child.stdout or []), daemon=True)
    reader.start()
    while True:
        peak = max(peak, tree_rss_bytes(child.pid))
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)  # usage counts its reaped workers
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            break
        time.sleep(SAMPLE_EVERY_S)
    reader.join()
    if child.stdout is not None:
        child.stdout.close()
    seconds = time.perf_counter() - started
    if child.returncode not in (0, 3):  # 3: built, some input skipped
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}):\n{''.join(output)[-2000:]}")
    return seconds, peak, usage.ru_utime + usage.ru_stime


class Server:
    """A server process started from ``command``, which prints ``Serving on URL``."""

    def __init__(self, command: list[str]) -> None:
        self.child = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_ENV
        )
        self.url = self._wait_for_url()
        # keep reading its output, so that a chatty server never blocks on a full pipe
        self._drain = threading.Thread(target=lambda: [None for _ in self.child.stdout or []], daemon=True)
        self._drain.start()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self.child.stdout is not None
        for line in self.child.stdout:
            if line.startswith("Serving on "):
                return line.split()[-1].rstrip("/")
            if time.monotonic() > deadline:
                break
        self.stop()
        raise RuntimeError(f"the server did not start: {self.child.args!r}")

    def rss_mib(self) -> float:
        return tree_rss_bytes(self.child.pid) / 2**20

    def stop(self) -> None:
        self.child.terminate()
        try:
            self.child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        if hasattr(self, "_drain"):
            self._drain.join(timeout=5)
        if self.child.stdout is not None:
            self.child.stdout.close()


def time_queries(base_url: str, queries: list[str], endpoint: str = "search") -> tuple[list[float], int]:
    """Milliseconds per ``/api/<endpoint>`` request, one at a time; and the error count."""
    samples: list[float] = []
    errors = 0
    for text in queries:
        url = f"{base_url}/api/{endpoint}?{urlencode({'q': text[:1000]})}"
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                json.load(response)
        except (OSError, ValueError):
            errors += 1
            continue
        samples.append((time.perf_counter() - started) * 1000)
    return samples, errors


def _commands(engine: str, source: Path, index_dir: Path) -> tuple[list[str], list[str]]:
    python = sys.executable
    if engine == "vnsearch":
        build = [python, "-m", "search.cli", "index", str(source), "--index", str(index_dir), "--quiet"]
        serve = [python, "-m", "search.cli", "serve", "--index", str(index_dir), "--port", "0"]
    else:
        build = [python, "-m", "search.tools.plainwhoosh", "build", str(source), "--index", str(index_dir)]
        serve = [python, "-m", "search.tools.plainwhoosh", "serve", "--index", str(index_dir), "--port", "0"]
    return build, serve


def measure(engine: str, source: Path, documents: int, index_dir: Path, queries: list[str]) -> Figures:
    """Build ``source`` with ``engine`` into ``index_dir``, serve it and time ``queries``
    (the baseline only the first :data:`BASELINE_QUERIES`: it takes seconds each)."""
    if engine != "vnsearch":
        queries = queries[:BASELINE_QUERIES]
    build, serve = _commands(engine, source, index_dir)
    shutil.rmtree(index_dir, ignore_errors=True)  # a fresh build, and only its size counted
    seconds, peak, cpu = run_measured(build)
    figures = Figures(
        engine=engine,
        documents=documents,
        index_seconds=round(seconds, 1),
        index_cpu_seconds=round(cpu, 1),
        docs_per_second=round(documents / seconds, 1),
        indexer_peak_rss_mib=round(peak / 2**20),
        index_mib=round(folder_size(index_dir) / 2**20),
    )
    server = Server(serve)
    try:
        time_queries(server.url, queries[:WARM_UP_QUERIES])
        samples, errors = time_queries(server.url, queries)
        if engine == "vnsearch":
            typed, suggest_errors = time_queries(server.url, [typed_so_far(q) for q in queries], "suggest")
            errors += suggest_errors
            if typed:
                figures.suggest_p50_ms = round(latency_of(typed).p50, 1)
                figures.suggest_p95_ms = round(latency_of(typed).p95, 1)
        figures.server_rss_mib = round(server.rss_mib())
    finally:
        server.stop()
    if samples:
        latency = latency_of(samples)
        figures.p50_ms, figures.p95_ms, figures.p99_ms = (
            round(latency.p50, 1),
            round(latency.p95, 1),
            round(latency.p99, 1),
        )
    figures.queries, figures.errors = len(samples), errors
    return figures


def run(
    sizes: list[int],
    sources: list[Path],
    queries: list[str],
    work_dir: Path,
    engines: tuple[str, ...] = ENGINES,
    report: Callable[[Figures], None] = print,
) -> Iterator[Figures]:
    """Every (size, engine) measurement, in order; indexes are kept under ``work_dir``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        source = work_dir / f"first-{size}.jsonl"
        documents = write_first(sources, size, source)
        for engine in engines:
            figures = measure(engine, source, documents, work_dir / f"{engine}-{size}", queries)
            report(figures)
            yield figures
        source.unlink()


def append_json(path: Path, figures: Figures) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(asdict(figures)) + "\n")
