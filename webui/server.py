"""Serve the app under waitress (never Flask's development server, never debug mode)."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask
from waitress import create_server, wasyncore
from waitress.channel import HTTPChannel

from search.children import tied_to_this_process
from search.errors import NoIndex
from search.results import SearchRequest
from webui import inline_tasks
from webui.app import create_app
from webui.balance import ConnectionShares, ListenInTurn
from webui.inline_tasks import InlineTasks
from webui.routes import ENGINE_KEY

WARM_UP_QUERY = "khởi động"
# Threads a server process answers with. One process alone keeps several, so that cheap
# requests (suggestions, pages, /healthz) are answered while a search computes (searches
# take turns: LocalEngine computes one at a time). A worker of several answers in its
# loop's own thread (webui.inline_tasks), as pre-fork servers' sync workers do: the other
# workers are the concurrency, and each thread more cost each search CPU (a second task
# thread about 1 ms, the first 0.1-0.4 ms; BENCHMARKS, sessions 20 and 22).
THREADS = 4
# What waitress accepts. Its defaults let 100 connections that send half a request (or
# nothing) take every place, so that a reader waits 30 s and fails; idle connections cost
# nothing here (poll, not select, which stops at 1,024), so many may wait, briefly. A
# search request is a line and a few headers: larger ones get a 4xx.
SERVER_OPTIONS = {
    "threads": THREADS,
    "ident": "vnsearch",
    "connection_limit": 4000,
    "asyncore_use_poll": True,
    "channel_timeout": 20,  # seconds a connection may stay silent
    "cleanup_interval": 5,
    "max_request_header_size": 64 * 1024,  # request line and headers: 431 beyond
    "max_request_body_size": 1024 * 1024,  # 413 beyond
}
# A worker answers in its loop's thread (webui.inline_tasks). waitress makes the thread
# that writes an answer wait while more than 16 MiB of it is unsent, for the loop to send
# it; the loop would then wait for itself. A worker's answers are buffered whole instead
# (past 1 MiB in a temporary file, as waitress does).
WORKER_OPTIONS = {**SERVER_OPTIONS, "outbuf_high_watermark": 2**62}
LISTEN_BACKLOG = 1024
# waitress warns "Task queue depth is N" for every request that waits for a thread: under
# a steady load, a line a request on the console. One such line every so often says the
# same.
QUEUE_WARNING_EVERY_S = 60.0
RESTART_DELAY_S = 1.0
PREPARE_EVERY_S = 0.5  # how often a server looks for a new generation (a file read)
# SIGTERM or Ctrl-C: a server stops accepting, answers what it has received (for at most
# DRAIN_SECONDS), closes idle keep-alive connections at once, and exits with 0. A request
# whose bytes are still arriving has ARRIVING_SECONDS to arrive. A second signal stops at once.
DRAIN_SECONDS = 10.0
ARRIVING_SECONDS = 1.0
DRAIN_POLL_S = 0.05
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def warm_up(app: Flask) -> bool:
    """Load the index and the segmenter's model, and run one search, before the first
    reader comes; False when there is no index yet (the app then answers 503 until one
    is built)."""
    engine = app.extensions[ENGINE_KEY]
    try:
        engine.prepare()
        engine.search(SearchRequest(query=WARM_UP_QUERY))
    except NoIndex:
        return False
    return True


def keep_prepared(app: Flask, interval_s: float = PREPARE_EVERY_S) -> threading.Thread:
    """A background thread that loads a rebuilt index as soon as it is swapped in, so
    no reader waits for it."""
    engine = app.extensions[ENGINE_KEY]
    engine.follow_in_background()

    def loop() -> None:
        while True:
            time.sleep(interval_s)
            try:
                engine.prepare()
            except Exception:  # a broken generation must not stop the thread; readers see the error
                logging.getLogger(__name__).exception("could not load the new index generation")

    thread = threading.Thread(target=loop, name="vnsearch-prepare", daemon=True)
    thread.start()
    return thread


class OncePer(logging.Filter):
    """Let one record through every ``seconds``, the others dropped."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._last: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True


def quiet_queue_warnings() -> None:
    """At most one of waitress's queue-depth warnings a :data:`QUEUE_WARNING_EVERY_S`."""
    queue_logger = logging.getLogger("waitress.queue")
    if not any(isinstance(f, OncePer) for f in queue_logger.filters):
        queue_logger.addFilter(OncePer(QUEUE_WARNING_EVERY_S))


def address(host: str, port: int) -> str:
    """``http://127.0.0.1:5000/``; IPv6 hosts in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(index_dir: Path, host: str = "127.0.0.1", port: int = 5000, workers: int = 1) -> None:
    """Serve the search site and JSON API for ``index_dir`` until interrupted.
    ``port=0`` picks a free port; the address printed is the real one. With
    ``workers`` > 1, that many processes answer on one socket (a search is CPU work in
    Python: one process uses one core)."""
    app = create_app({"INDEX_DIR": Path(index_dir)})
    quiet_queue_warnings()
    if not warm_up(app):
        print(f"Warning: no index in {index_dir} yet; answering 503 until one is built.", flush=True)
    # What is loaded by now (modules, the index's shared state) lives as long as the
    # process: the cyclic garbage collector need not walk it again at every full
    # collection (4 % of a worker's CPU under load), nor write to its pages in each
    # worker. A generation swapped out later is freed by reference counting (a test).
    gc.freeze()
    if workers > 1:
        serve_forked(app, host, port, workers)
        return
    keep_prepared(app)
    socket_map: dict[int, Any] = {}
    server = create_server(app, map=socket_map, host=host, port=port, **SERVER_OPTIONS)
    print(f"Serving on {address(host, server.effective_port)}", flush=True)
    cut_off = run_until_stopped(server, socket_map, STOP_SIGNALS)
    print(_stopped(cut_off), flush=True)


def _stopped(cut_off: int) -> str:
    if not cut_off:
        return "Stopped."
    return f"Stopped; {cut_off} connection(s) still busy after {DRAIN_SECONDS:g} s were closed."


def on_stop_signals(
    signals: tuple[signal.Signals, ...], first: Callable[[], None], again: Callable[[], None] | None = None
) -> None:
    """Call ``first`` at the first of ``signals`` (in the main thread, between two
    bytecodes: it only sets flags and wakes the loop up); at a second one, call ``again``
    and die of that signal at once, as without a handler."""
    received = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal received
        if received:
            if again is not None:
                again()
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        received = True
        first()

    for signum in signals:
        signal.signal(signum, handler)


def run_until_stopped(
    server: Any,
    socket_map: dict[int, Any],
    signals: tuple[signal.Signals, ...],
    poll_timeout: Callable[[], float] | None = None,
) -> int:
    """Run the waitress ``server`` (created on ``socket_map``) until one of ``signals``,
    then drain it (:func:`drain`); the number of connections cut off. The loop waits for
    an event at most ``poll_timeout()`` seconds (default: waitress's own setting)."""
    stopping = False

    def stop() -> None:
        nonlocal stopping
        stopping = True
        server.pull_trigger()  # wakes the poll below at once: a byte into a pipe

    on_stop_signals(signals, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # a worker starts with them blocked
    try:
        while not stopping:
            waiting = server.adj.asyncore_loop_timeout if poll_timeout is None else poll_timeout()
            wasyncore.loop(
                timeout=inline_tasks.poll_timeout(server, waiting),
                use_poll=server.adj.asyncore_use_poll,
                map=socket_map,
                count=1,
            )
            inline_tasks.answer_waiting(server)
        return drain(server, socket_map)
    finally:
        wasyncore.close_all(socket_map, ignore_all=True)


def _busy(channel: Any) -> bool:
    """A request received (queued or running) or a response not yet all sent."""
    return bool(channel.requests or channel.total_outbufs_len)


def _arriving(channel: Any) -> bool:
    """Part of a request received, or nothing yet on a connection just accepted."""
    return channel.request is not None or channel.last_activity <= channel.creation_time


def _accept_waiting(server: Any, socket_map: dict[int, Any]) -> None:
    """Accept the connections already waiting in the listen queue (closing the socket
    would reset them)."""
    while len(socket_map) < server.adj.connection_limit:
        before = len(socket_map)
        server.handle_accept()  # returns at once when none is waiting (non-blocking socket)
        if len(socket_map) == before:
            return


def drain(server: Any, socket_map: dict[int, Any], grace: float = DRAIN_SECONDS) -> int:
    """Stop accepting, finish the requests received and send their responses (with
    ``Connection: close``), closing each connection once it is idle; after ``grace``
    seconds, close the rest. The loop runs here, in the caller's thread. Returns the
    number of connections still busy at the end."""
    started = time.monotonic()
    _accept_waiting(server, socket_map)
    wasyncore.dispatcher.close(server)  # the listening socket only: the trigger stays for the tasks
    deadline = started + grace
    while True:
        now = time.monotonic()
        waiting = 0
        for channel in [c for c in list(socket_map.values()) if isinstance(c, HTTPChannel)]:
            if _busy(channel):
                for request in list(channel.requests):  # responses not begun yet say Connection: close
                    request.headers["CONNECTION"] = "close"
                waiting += 1
            elif _arriving(channel) and now < started + ARRIVING_SECONDS:
                waiting += 1
            else:
                channel.handle_close()  # idle (between keep-alive requests), or took too long to ask
        if not waiting or now >= deadline:
            break
        timeout = inline_tasks.poll_timeout(server, DRAIN_POLL_S)
        wasyncore.loop(timeout=timeout, use_poll=server.adj.asyncore_use_poll, map=socket_map, count=1)
        inline_tasks.answer_waiting(server)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
    return waiting


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=LISTEN_BACKLOG)


def _run_worker(app: Flask, listener: socket.socket, shares: ConnectionShares, place: int) -> None:
    """A worker process: answer on the shared socket until SIGTERM, then drain. Ctrl-C
    reaches the whole process group: the parent decides, and sends SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_prepared(app)
    socket_map: dict[int, Any] = {}
    # waitress takes a dispatcher of tasks in place of its threads (``_dispatcher``, the
    # hook its own tests use); the loop below answers the requests it queues
    tasks = InlineTasks()
    server = create_server(app, map=socket_map, sockets=[listener], _dispatcher=tasks, **WORKER_OPTIONS)
    shares.started(place)
    turns = ListenInTurn(server, socket_map, shares, place)
    cut_off = run_until_stopped(server, socket_map, (signal.SIGTERM,), turns.poll_timeout)
    if cut_off:
        print(f"Worker {os.getpid()}: {_stopped(cut_off)}", flush=True)


def _start_worker(app: Flask, listener: socket.socket, shares: ConnectionShares, place: int) -> int:
    """Fork a worker (in ``place`` of ``shares``). It starts with SIGTERM and SIGINT
    blocked, so that none arrives before its own handler is in place (the parent's would
    run in it)."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _run_worker(app, listener, shares, place)
            except BaseException:
                logging.getLogger(__name__).exception("worker stopped")
                code = 1
            finally:
                os._exit(code)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return pid


def serve_forked(app: Flask, host: str, port: int, workers: int) -> None:
    """Pre-fork: this process binds the socket, loads the index once (the workers share
    those pages), then forks ``workers`` processes and replaces any that dies. SIGTERM or
    Ctrl-C closes the socket and passes SIGTERM on: each worker drains, and this process
    returns once they have all exited (a second signal stops them all at once). If this
    process is killed, they die with it."""
    app.extensions[ENGINE_KEY].close()  # no open files shared across processes
    listener = _listen(host, port)
    shares = ConnectionShares(workers)
    running: dict[int, int] = {}  # each worker's place in ``shares``, by process id
    told: dict[int, int] = {}  # SIGTERMs sent to each worker
    stopping = False

    def tell(times: int) -> None:
        for pid in list(running):
            if told.get(pid, 0) < times:
                told[pid] = told.get(pid, 0) + 1
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)

    def stop() -> None:
        nonlocal stopping
        stopping = True
        listener.close()  # new connections are refused once the workers close theirs
        tell(1)

    def start() -> None:
        place = min(set(range(workers)) - set(running.values()))
        running[_start_worker(app, listener, shares, place)] = place
        if stopping:  # the signal came while it was being started
            tell(1)

    shown = address(host, listener.getsockname()[1])
    on_stop_signals(STOP_SIGNALS, stop, again=lambda: tell(2))
    try:
        with tied_to_this_process():
            for _ in range(workers):
                if not stopping:
                    start()
            print(f"{workers} worker processes", flush=True)
            print(f"Serving on {shown}", flush=True)
            while running:
                pid, _status = os.wait()  # resumed after a signal's handler has run
                if pid not in running:
                    continue
                shares.ended(running.pop(pid))
                if not stopping:
                    time.sleep(RESTART_DELAY_S)  # a worker that dies at once must not spin
                if not stopping:
                    start()
        print("Stopped.", flush=True)
    finally:
        for pid in running:  # only after an error here: tell the workers, wait for them
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in running:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        listener.close()
