"""A server's worker processes share the connections evenly (webui/balance.py): the
counts are shared memory that every process reads, and a real two-worker server given
20 connections, one after another, holds 10 in each worker."""

from __future__ import annotations

import multiprocessing
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from tests.live_server import launched
from webui.balance import ConnectionShares

CONNECTIONS = 20
TIMEOUT_S = 30.0


def test_a_worker_accepts_only_while_no_running_worker_holds_fewer() -> None:
    shares = ConnectionShares(3)
    shares.started(0)
    shares.started(1)  # place 2 has no worker yet: it holds no one back
    assert shares.may_accept(0, 0)
    assert not shares.may_accept(0, 1)  # place 1 holds 0
    assert shares.may_accept(1, 1)  # both hold 1 now
    assert not shares.may_accept(1, 2)
    shares.started(2)
    assert not shares.may_accept(0, 1)  # the new worker holds 0
    shares.ended(2)
    shares.ended(1)
    assert shares.may_accept(0, 5)  # the only one running


def _hold(shares: ConnectionShares, place: int, held: int) -> None:
    shares.started(place)
    shares.may_accept(place, held)


def test_the_counts_are_shared_with_forked_workers() -> None:
    shares = ConnectionShares(2)
    shares.started(0)
    worker = multiprocessing.get_context("fork").Process(target=_hold, args=(shares, 1, 3))
    worker.start()
    worker.join(timeout=TIMEOUT_S)
    assert worker.exitcode == 0
    assert shares.may_accept(0, 2)  # the other process published 3
    assert not shares.may_accept(0, 4)


def _connections_of(process: psutil.Process, port: int) -> int:
    return sum(
        1
        for c in process.net_connections(kind="tcp")
        if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
    )


def test_two_workers_hold_half_of_the_connections_each(seeded_index: Path) -> None:
    """Connections opened one after another, each accepted before the next is opened,
    and kept open without a request (as a client's pool holds them)."""
    with launched(seeded_index, options=("--workers", "2")) as server:
        address = urlsplit(server.base)
        assert address.hostname is not None and address.port is not None
        workers = psutil.Process(server.process.pid).children()
        assert len(workers) == 2
        opened: list[socket.socket] = []
        try:
            for number in range(1, CONNECTIONS + 1):
                opened.append(socket.create_connection((address.hostname, address.port), timeout=TIMEOUT_S))
                deadline = time.monotonic() + TIMEOUT_S
                held = [_connections_of(w, address.port) for w in workers]
                while sum(held) < number and time.monotonic() < deadline:  # until a worker accepts it
                    time.sleep(0.002)
                    held = [_connections_of(w, address.port) for w in workers]
                assert sum(held) == number, f"connection {number} was not accepted: {held}"
            assert sorted(held) == [CONNECTIONS // 2, CONNECTIONS // 2], held
            for connection in opened[:2]:  # and they answer
                connection.sendall(b"GET /api/search?q=cong+doan HTTP/1.1\r\nHost: vnsearch\r\n\r\n")
                assert connection.recv(12).startswith(b"HTTP/1.1 200")
        finally:
            for connection in opened:
                connection.close()
