"""A real server under connections that never finish their request, and oversized ones."""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live_server import running_server

SLOW_CLIENTS = 500


def _connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


@pytest.mark.parametrize("options", [(), ("--workers", "2")])
def test_slow_clients_do_not_keep_a_reader_waiting(seeded_index: Path, options: tuple[str, ...]) -> None:
    with running_server(seeded_index, options=options) as (base, _pid), contextlib.ExitStack() as stack:
        for i in range(SLOW_CLIENTS):  # half of them send half a request, the others nothing
            slow = stack.enter_context(_connect(base))
            if i % 2:
                slow.sendall(b"GET /api/search?q=c")
        time.sleep(0.5)
        # Before, the reader waited for a place until the slow clients timed out (120 s).
        with urllib.request.urlopen(f"{base}/api/search?q=chuong+my", timeout=5) as response:
            assert response.status == 200


def _status(base: str, request: bytes) -> int:
    with _connect(base) as connection:
        connection.sendall(request)
        reply = connection.recv(200).decode("latin-1")
    return int(reply.split()[1])


def test_an_oversized_request_gets_a_4xx(seeded_index: Path) -> None:
    with running_server(seeded_index) as (base, _pid):
        header = b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
        assert 400 <= _status(base, header) < 500
        body = b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" + b"a" * 1000
        assert _status(base, body) == 413
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"{base}/api/search?q={'a' * 70_000}", timeout=5)
        assert 400 <= error.value.code < 500
        error.value.close()
