"""A bounded load test of a running server's JSON API, on this machine only.

A fixed number of requests from a fixed number of client threads; it stops by itself.
Only loopback addresses are accepted: load goes to nothing but our own server.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from search.tools.bench import Latency, latency_of, tree_cpu_seconds, tree_rss_bytes

TIMEOUT_S = 30


@dataclass(frozen=True)
class LoadReport:
    requests: int
    errors: int
    seconds: float
    latency: Latency
    rss_before_mib: float | None
    rss_after_mib: float | None
    # the server's CPU (its processes, user and system) a request: what a change of the
    # server saves, beside requests a second, which the load client shares (BENCHMARKS,
    # session 20)
    server_cpu_ms: float | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        memory = ""
        if self.rss_before_mib is not None and self.rss_after_mib is not None:
            memory = f"; server RSS {self.rss_before_mib:.0f} -> {self.rss_after_mib:.0f} MiB"
        if self.server_cpu_ms is not None:
            memory += f"; server CPU {self.server_cpu_ms:.2f} ms a request"
        return (
            f"{self.requests} requests, {self.errors} errors, {self.per_second:.1f} requests/s; "
            f"latency {self.latency}{memory}"
        )


def require_loopback(url: str) -> None:
    """Refuse any target that is not this machine's loopback ("localhost" or a
    127.0.0.0/8 or ::1 address; no other name is even looked up)."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"load tests only target loopback addresses, not {host!r}")


def resident_mib(pid: int) -> float | None:
    """The resident memory of server ``pid`` with its worker processes, or None when
    it is not running."""
    resident = tree_rss_bytes(pid)
    return resident / 2**20 if resident else None


class KeptAliveClient:
    """One connection per thread, kept open between requests as browsers and HTTP
    libraries keep theirs (a new connection per request cost the client and the server
    more than some searches). A kept connection that the server has closed meanwhile (a
    worker restarted, an idle timeout) is opened again once, as those clients do."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._address = (parts.hostname or "localhost", parts.port)
        self._kind: type[http.client.HTTPConnection] = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []  # every thread's, for close()
        self._lock = threading.Lock()
        self.connections_opened = 0

    def _connect(self) -> http.client.HTTPConnection:
        connection = self._kind(*self._address, timeout=TIMEOUT_S)
        with self._lock:
            self._opened.append(connection)
            self.connections_opened += 1
        return connection

    def get(self, path: str) -> tuple[int, bytes]:
        """Status and body of ``GET path`` on this thread's connection."""
        kept = getattr(self._local, "connection", None)
        try:
            return self._get(kept or self._connect(), path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if kept is None:
                raise
            return self._get(self._connect(), path)  # the kept one had been closed

    def _get(self, connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
        self._local.connection = None
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if not response.will_close:
            self._local.connection = connection
        return response.status, body

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._opened:
                connection.close()
            self._opened.clear()


def typed_so_far(query: str) -> str:
    """What a reader has typed of ``query`` when a suggestion is asked: its first words
    and half of the next one ("Chất béo trong" -> "Chất béo tr")."""
    words = query.split()[:3]
    if len(words) > 1:
        words[-1] = words[-1][: max(1, len(words[-1]) // 2)]
    return " ".join(words)


def run(
    base_url: str,
    queries: Sequence[str],
    requests: int,
    clients: int,
    pid: int | None = None,
    endpoint_name: str = "search",
) -> LoadReport:
    """Send ``requests`` searches (cycling through ``queries``) from ``clients`` threads;
    with ``endpoint_name="suggest"``, suggestions for what was typed of each query."""
    require_loopback(base_url)
    endpoint = urlsplit(base_url).path.rstrip("/") + f"/api/{endpoint_name}?"
    client = KeptAliveClient(base_url)
    if endpoint_name == "suggest":
        queries = [typed_so_far(q) for q in queries]
    wanted = "suggestions" if endpoint_name == "suggest" else "hits"
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def one(number: int) -> None:
        nonlocal errors
        url = endpoint + urlencode({"q": queries[number % len(queries)][:1000]})
        started = time.perf_counter()
        ok = False
        try:
            status, body = client.get(url)
            ok = status == 200 and wanted in json.loads(body)
        except (http.client.HTTPException, OSError, ValueError):
            ok = False
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            errors += not ok

    before = resident_mib(pid) if pid else None
    cpu_before = tree_cpu_seconds(pid) if pid else None
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(one, range(requests)))
    finally:
        client.close()
    seconds = time.perf_counter() - started
    after = resident_mib(pid) if pid else None
    cpu_ms = None
    if pid and cpu_before is not None and after is not None:
        cpu_ms = (tree_cpu_seconds(pid) - cpu_before) * 1000 / requests
    return LoadReport(requests, errors, seconds, latency_of(latencies), before, after, cpu_ms)
