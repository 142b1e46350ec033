"""Serve the app under waitress (never Flask's development server, never debug mode)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path

from flask import Flask
from waitress import create_server

from search.children import tied_to_this_process
from search.errors import NoIndex
from search.results import SearchRequest
from webui.app import create_app
from webui.routes import ENGINE_KEY

WARM_UP_QUERY = "khởi động"
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
LISTEN_BACKLOG = 1024
RESTART_DELAY_S = 1.0
PREPARE_EVERY_S = 0.5  # how often a server looks for a new generation (a file read)


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
    if not warm_up(app):
        print(f"Warning: no index in {index_dir} yet; answering 503 until one is built.", flush=True)
    if workers > 1:
        serve_forked(app, host, port, workers)
        return
    keep_prepared(app)
    server = create_server(app, host=host, port=port, **SERVER_OPTIONS)
    print(f"Serving on {address(host, server.effective_port)}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=LISTEN_BACKLOG)


def _run_worker(app: Flask, listener: socket.socket) -> None:
    """A worker process: answer on the shared socket until told to stop."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    keep_prepared(app)
    server = create_server(app, sockets=[listener], **SERVER_OPTIONS)
    server.run()


def _start_worker(app: Flask, listener: socket.socket) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _run_worker(app, listener)
        except BaseException:
            logging.getLogger(__name__).exception("worker stopped")
            code = 1
        finally:
            os._exit(code)
    return pid


def serve_forked(app: Flask, host: str, port: int, workers: int) -> None:
    """Pre-fork: this process binds the socket, loads the index once (the workers share
    those pages), then forks ``workers`` processes and replaces any that dies. SIGTERM or
    Ctrl-C stops them all; if this process is killed, they die with it."""
    app.extensions[ENGINE_KEY].close()  # no open files shared across processes
    listener = _listen(host, port)
    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    running: set[int] = set()
    try:
        with tied_to_this_process():
            running = {_start_worker(app, listener) for _ in range(workers)}
            print(f"{workers} worker processes", flush=True)
            print(f"Serving on {address(host, listener.getsockname()[1])}", flush=True)
            while True:
                pid, _status = os.wait()
                running.discard(pid)
                if not stopping:
                    time.sleep(RESTART_DELAY_S)  # a worker that dies at once must not spin
                    running.add(_start_worker(app, listener))
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in running:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        listener.close()
