"""Start ``vnsearch serve --port 0`` as a real process and learn its address."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


@contextmanager
def running_server(
    index_dir: Path, env: dict[str, str] | None = None, options: tuple[str, ...] = ()
) -> Iterator[tuple[str, int]]:
    """(base URL, process id) of a server on a free loopback port, stopped afterwards."""
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
    output: list[str] = []
    base = None
    try:
        while base is None:
            try:
                line = lines.get(timeout=START_TIMEOUT_S)
            except queue.Empty:
                message = f"the server printed no address in {START_TIMEOUT_S} s: {''.join(output)}"
                raise AssertionError(message) from None
            output.append(line)
            if line.startswith("Serving on http://127.0.0.1:"):
                base = line.split("Serving on ", 1)[1].strip()
            elif process.poll() is not None:
                raise AssertionError(f"the server exited with {process.returncode}: {''.join(output)}")
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        reader.join(timeout=5)
