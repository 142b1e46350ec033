"""Start ``vnsearch serve --port 0`` as a real process and learn its address."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


@dataclass
class Launched:
    """A running ``vnsearch serve``: the process, its base URL, and the lines it prints
    from its address on (read by a thread)."""

    process: subprocess.Popen[str]
    base: str
    lines: queue.Queue[str]


@contextmanager
def launched(
    index_dir: Path, env: dict[str, str] | None = None, options: tuple[str, ...] = ()
) -> Iterator[Launched]:
    """A server on a free loopback port; at the end, if it still runs, SIGTERM, then
    SIGKILL after 10 s."""
    process = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "serve", "--index", str(index_dir), "--port", "0", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        started: list[str] = []
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                message = f"the server printed no address in {START_TIMEOUT_S} s: {''.join(started)}"
                raise AssertionError(message) from None
            started.append(line)
            if line.startswith("Serving on http://127.0.0.1:"):
                break
            if process.poll() is not None:
                raise AssertionError(f"the server exited with {process.returncode}: {''.join(started)}")
        yield Launched(process, line.split("Serving on ", 1)[1].strip(), lines)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        reader.join(timeout=5)


@contextmanager
def running_server(
    index_dir: Path, env: dict[str, str] | None = None, options: tuple[str, ...] = ()
) -> Iterator[tuple[str, int]]:
    """(base URL, process id) of a server on a free loopback port, stopped afterwards."""
    with launched(index_dir, env, options) as server:
        yield server.base, server.process.pid
