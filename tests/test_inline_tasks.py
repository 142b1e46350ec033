"""A worker's requests answered in its loop's thread (webui.inline_tasks), on a real
waitress server in this process, driven poll by poll as a worker's loop drives it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from waitress import create_server, wasyncore

from webui import inline_tasks
from webui.inline_tasks import InlineTasks
from webui.server import WORKER_OPTIONS, drain

TIMEOUT_S = 5


class App:
    """A WSGI app that records the path and the thread of every request it answers."""

    def __init__(self) -> None:
        self.answered: list[tuple[str, int]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        self.answered.append((path, threading.get_ident()))
        if path == "/fail":
            raise RuntimeError("broken on purpose")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"answer to {path}".encode()]


@contextmanager
def inline_server(app: Callable[..., Iterable[bytes]]) -> Iterator[tuple[Any, dict[int, Any]]]:
    """``app`` served as a worker serves it: its options, its dispatcher (the test drives
    the loop)."""
    socket_map: dict[int, Any] = {}
    server = create_server(
        app, map=socket_map, host="127.0.0.1", port=0, _dispatcher=InlineTasks(), **WORKER_OPTIONS
    )
    try:
        yield server, socket_map
    finally:
        wasyncore.close_all(socket_map, ignore_all=True)


def step(server: Any, socket_map: dict[int, Any]) -> None:
    """One turn of a worker's loop: a poll, then one request answered."""
    wasyncore.loop(timeout=inline_tasks.poll_timeout(server, 0.05), use_poll=True, map=socket_map, count=1)
    inline_tasks.answer_waiting(server)


def steps_until(server: Any, socket_map: dict[int, Any], done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done():
        assert time.monotonic() < deadline, "the server did not get there in time"
        step(server, socket_map)


def connect(server: Any) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", server.effective_port), timeout=TIMEOUT_S)
    client.setblocking(False)
    return client


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: vnsearch\r\n\r\n".encode()


def received(client: socket.socket, server: Any, socket_map: dict[int, Any], answers: int) -> bytes:
    """What ``client`` has received once it holds ``answers`` complete answers."""
    data = b""

    def enough() -> bool:
        nonlocal data
        with suppress(BlockingIOError):
            data += client.recv(65536)
        return data.count(b"answer to") + data.count(b" 500 ") >= answers

    steps_until(server, socket_map, enough)
    return data


def test_requests_are_answered_in_the_loops_thread_in_order() -> None:
    app = App()
    with inline_server(app) as (server, socket_map), connect(server) as first, connect(server) as second:
        first.sendall(get("/a") + get("/b"))  # two requests at once on one connection
        second.sendall(get("/c"))
        answers_first = received(first, server, socket_map, 2)
        answers_second = received(second, server, socket_map, 1)
    assert answers_first.index(b"answer to /a") < answers_first.index(b"answer to /b")
    assert b"answer to /c" in answers_second
    assert sorted(path for path, _ in app.answered) == ["/a", "/b", "/c"]
    assert {thread for _, thread in app.answered} == {threading.get_ident()}  # no task thread


def test_one_request_is_answered_a_poll_and_the_next_poll_does_not_wait() -> None:
    app = App()
    with inline_server(app) as (server, socket_map):
        clients = [connect(server) for _ in range(3)]
        try:
            steps_until(server, socket_map, lambda: len(socket_map) >= 5)  # listener, trigger, 3 channels
            for number, client in enumerate(clients):
                client.sendall(get(f"/{number}"))
            time.sleep(0.1)  # all three have arrived before the next poll
            wasyncore.loop(timeout=0.05, use_poll=True, map=socket_map, count=1)
            assert server.task_dispatcher.pending
            assert inline_tasks.poll_timeout(server, 1.0) == 0.0
            inline_tasks.answer_waiting(server)
            assert len(app.answered) == 1
            for client in clients:
                received(client, server, socket_map, 1)
            assert len(app.answered) == 3
            assert inline_tasks.poll_timeout(server, 1.0) == 1.0  # nothing waits: the poll may
        finally:
            for client in clients:
                client.close()


def test_an_app_error_is_a_500_and_the_next_request_is_answered() -> None:
    app = App()
    with inline_server(app) as (server, socket_map):
        with connect(server) as client:
            client.sendall(get("/fail"))
            assert b" 500 " in received(client, server, socket_map, 1)
        with connect(server) as client:
            client.sendall(get("/after"))
            assert b"answer to /after" in received(client, server, socket_map, 1)


def test_the_drain_answers_a_request_that_was_waiting() -> None:
    app = App()
    with inline_server(app) as (server, socket_map), connect(server) as client:
        client.sendall(get("/waiting"))
        deadline = time.monotonic() + TIMEOUT_S
        while not server.task_dispatcher.pending and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, use_poll=True, map=socket_map, count=1)  # polls only
        assert server.task_dispatcher.pending
        assert app.answered == []
        assert drain(server, socket_map, grace=TIMEOUT_S) == 0  # none left busy
        client.setblocking(True)
        assert b"answer to /waiting" in client.recv(65536)


CHUNK = b"x" * (8 * 2**20)


def streamed(_environ: dict[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
    """An answer in three chunks of 8 MiB: past waitress's 16 MiB high watermark before the
    client reads any of it."""
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [CHUNK, CHUNK, CHUNK]


def test_an_answer_past_the_high_watermark_does_not_stop_the_loop() -> None:
    """waitress makes a task thread wait while more than its high watermark is unsent, for
    the loop to send it: the loop waiting for itself would never answer again."""
    answered = threading.Event()
    with inline_server(streamed) as (server, socket_map):

        def loop() -> None:
            while not answered.is_set():
                step(server, socket_map)

        try:
            with socket.create_connection(("127.0.0.1", server.effective_port), timeout=TIMEOUT_S) as client:
                client.sendall(get("/big"))
                looping = threading.Thread(target=loop, daemon=True)
                looping.start()
                time.sleep(0.5)  # the whole answer is made before the client reads any of it
                got = 0
                deadline = time.monotonic() + 4 * TIMEOUT_S
                while got < 3 * len(CHUNK) and time.monotonic() < deadline:
                    got += len(client.recv(2**20))
                answered.set()
                looping.join(TIMEOUT_S)
            assert got >= 3 * len(CHUNK), "the loop stopped before the answer was sent"
            assert not looping.is_alive()
        finally:
            answered.set()
