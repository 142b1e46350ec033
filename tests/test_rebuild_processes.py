"""Rebuilds as real processes: readers keep answering, SIGKILL loses nothing, one at a time."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.backends.local.storage import current_generation
from search.children import worker_pool
from search.ingest.sources import read_sources
from search.results import SearchRequest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CHUONG_MY = "000_883de19ce3b78452"
COPIES = 480  # of the five seeds: a rebuild long enough to watch and kill, even on a busy machine


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSONL export large enough that a rebuild takes a few seconds."""
    path = tmp_path_factory.mktemp("export") / "big.jsonl"
    articles = list(read_sources([SEEDS]))
    with path.open("w", encoding="utf-8") as stream:
        for copy in range(COPIES):
            for article in articles:
                record = {"id": f"{article.id}-{copy}", "title": article.title, "text": article.body}
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _rebuild(source: Path, index_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "search.cli", "index", str(source), "--index", str(index_dir), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: we can see whether workers outlive it
    )


def _group_size(group: int) -> int:
    size = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            size += int(fields[2]) == group  # the process group id
    return size


def _eventually(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _wait_for_group(group: int, size: int, timeout: float = 60) -> bool:
    return _eventually(lambda: _group_size(group) >= size, timeout)


def _group_gone(group: int, timeout: float = 10) -> bool:
    return _eventually(lambda: _group_size(group) == 0, timeout)


def _wait_for_building(index_dir: Path, timeout: float = 60) -> None:
    started = _eventually(lambda: bool(list((index_dir / "generations").glob("*.building"))), timeout)
    assert started, "the rebuild never started writing"


def test_readers_keep_getting_answers_while_a_rebuild_runs(tmp_path: Path, big_export: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir, workers=1)
    engine = LocalEngine(index_dir)
    rebuild = _rebuild(big_export, index_dir)
    answers = 0
    try:
        _wait_for_building(index_dir)
        while rebuild.poll() is None:
            hits = engine.search(SearchRequest(query="chuong my")).hits
            assert hits and hits[0].id.startswith(CHUONG_MY)
            answers += 1
    finally:
        output = rebuild.communicate(timeout=300)[0]
    assert rebuild.returncode == 0, output
    assert answers > 5
    # the same engine now serves the new generation
    assert engine.search(SearchRequest(query="")).total == 5 * COPIES


def _rebuild_over_the_seeds(
    tmp_path: Path, big_export: Path
) -> tuple[Path, Path | None, subprocess.Popen[str]]:
    """An index of the seeds, its generation, and a rebuild of ``big_export`` over it."""
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir, workers=1)
    return index_dir, current_generation(index_dir), _rebuild(big_export, index_dir)


def _wait_for_helpers(rebuild: subprocess.Popen[str]) -> None:
    """Until the segmenting pool's workers (one per core) have started."""
    helpers = os.cpu_count() or 1 if (os.cpu_count() or 1) > 1 else 0
    assert _wait_for_group(rebuild.pid, 1 + helpers), "the rebuild never started its helpers"


def test_a_killed_rebuild_leaves_the_old_index_serving(tmp_path: Path, big_export: Path) -> None:
    index_dir, before, rebuild = _rebuild_over_the_seeds(tmp_path, big_export)
    try:
        _wait_for_building(index_dir)
        # a second rebuild of the same folder is refused at once, clearly
        second = subprocess.run(
            [sys.executable, "-m", "search.cli", "index", str(SEEDS), "--index", str(index_dir), "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "another rebuild" in second.stderr
        _wait_for_helpers(rebuild)
        assert rebuild.poll() is None, "the first rebuild ended before it could be killed"
        # only the rebuild itself is killed (as the out-of-memory killer would): its
        # worker processes must not live on, holding the lock
        os.kill(rebuild.pid, signal.SIGKILL)
        rebuild.wait(timeout=60)
        assert _group_gone(rebuild.pid), "worker processes outlived the killed rebuild"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(rebuild.pid, signal.SIGKILL)
        rebuild.communicate(timeout=60)  # closes its output pipe
    assert current_generation(index_dir) == before
    assert LocalEngine(index_dir).search(SearchRequest(query="chuong my")).hits[0].id == CHUONG_MY
    # the next rebuild works and clears what the killed one left
    report = build_index([SEEDS], index_dir, workers=1)
    assert report.indexed == 5
    assert not list((index_dir / "generations").glob("*.building"))


@pytest.mark.parametrize("stop", ["Ctrl-C", "SIGTERM"])
def test_a_stopped_rebuild_ends_cleanly_and_leaves_the_old_index_serving(
    tmp_path: Path, big_export: Path, stop: str
) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM (to
    the rebuild) mid-build: exit 130 with one line, no worker's traceback, nothing
    half-built left, the old index unchanged."""
    index_dir, before, rebuild = _rebuild_over_the_seeds(tmp_path, big_export)
    try:
        _wait_for_building(index_dir)
        _wait_for_helpers(rebuild)
        if stop == "Ctrl-C":
            os.killpg(rebuild.pid, signal.SIGINT)
        else:
            rebuild.send_signal(signal.SIGTERM)
        output = rebuild.communicate(timeout=60)[0]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(rebuild.pid, signal.SIGKILL)
        rebuild.communicate(timeout=60)
    assert rebuild.returncode == 130, output
    assert output.strip() == (
        "Stopped: the half-built index was removed; the previous index, if any, is unchanged."
    )
    assert _group_gone(rebuild.pid), "worker processes outlived the stopped rebuild"
    assert current_generation(index_dir) == before
    assert not list((index_dir / "generations").glob("*.building"))


def _large_result(number: int) -> bytes:
    time.sleep(0.02)
    return bytes([number]) * 300_000  # more than a pipe holds: written in several parts


def test_a_pool_left_by_an_exception_lets_its_workers_finish_what_they_were_given() -> None:
    """Stopping a pool whose results are on their way can hang (a worker blocked writing
    one, holding the results queue's lock). Left by an exception, the pool first lets
    its workers finish the tasks given: every result arrives, then the pool stops."""
    results = []
    with pytest.raises(KeyboardInterrupt), worker_pool(2) as pool:
        results = [pool.apply_async(_large_result, (number,)) for number in range(12)]
        raise KeyboardInterrupt
    assert all(result.ready() for result in results)
    assert [result.get()[:1] for result in results] == [bytes([number]) for number in range(12)]


_SIGTERM_AT_FORK: dict[str, Path | None] = {"pids": None}


def _sigterm_myself() -> None:
    """In a child forked while the test is on: note the pid, then SIGTERM itself."""
    pids = _SIGTERM_AT_FORK["pids"]
    if pids is not None:
        with pids.open("a") as stream:
            stream.write(f"{os.getpid()}\n")
        os.kill(os.getpid(), signal.SIGTERM)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_sigterm_that_reaches_a_worker_before_it_has_started_ends_it(tmp_path: Path) -> None:
    """A pool stopped as soon as it starts sends SIGTERM to workers that may not have
    taken SIGTERM's default action back yet. Such a worker used to run the rebuild's
    handler (KeyboardInterrupt, lost there) and live on, and the pool waited for it
    forever (a CLI update of a few articles hung so). Here each worker sends itself
    SIGTERM as it is forked: it must end (the pool reaps it and forks another)."""

    def interrupt(_signum: int, _frame: object) -> None:  # the rebuild's (cli._stopped_by_sigterm)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    os.register_at_fork(after_in_child=_sigterm_myself)
    _SIGTERM_AT_FORK["pids"] = tmp_path / "pids"
    try:
        pool = worker_pool(2)
    finally:
        _SIGTERM_AT_FORK["pids"] = None
        signal.signal(signal.SIGTERM, previous)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pids = [int(line) for line in (tmp_path / "pids").read_text().split()]
            if len(pids) >= 2 and all(map(_gone, pids)):
                break
            time.sleep(0.05)
        assert len(pids) >= 2 and [pid for pid in pids if not _gone(pid)] == []  # (a replacement may
        # have been forked, and have ended, before the test was off)
    finally:
        pool.terminate()
