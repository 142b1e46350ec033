"""Serve the app under waitress (never Flask's development server, never debug mode)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask
from waitress import create_server

from search.engine import NoIndex
from search.results import SearchRequest
from webui.app import create_app
from webui.views import ENGINE_KEY

WARM_UP_QUERY = "khởi động"
THREADS = 4
PREPARE_EVERY_S = 2.0


def warm_up(app: Flask) -> bool:
    """Run one search so the segmenter's model is loaded before the first reader comes;
    False when there is no index yet (the app then answers 503 until one is built)."""
    try:
        app.extensions[ENGINE_KEY].search(SearchRequest(query=WARM_UP_QUERY))
    except NoIndex:
        return False
    return True


def keep_prepared(app: Flask, interval_s: float = PREPARE_EVERY_S) -> threading.Thread:
    """A background thread that loads a rebuilt index as soon as it is swapped in, so
    no reader waits for it."""
    engine = app.extensions[ENGINE_KEY]

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


def serve(index_dir: Path, host: str = "127.0.0.1", port: int = 5000) -> None:
    """Serve the search site and JSON API for ``index_dir`` until interrupted.
    ``port=0`` picks a free port; the address printed is the real one."""
    app = create_app({"INDEX_DIR": Path(index_dir)})
    if not warm_up(app):
        print(f"Warning: no index in {index_dir} yet; answering 503 until one is built.", flush=True)
    keep_prepared(app)
    server = create_server(app, host=host, port=port, threads=THREADS, ident="vnsearch")
    print(f"Serving on {address(host, server.effective_port)}", flush=True)  # type: ignore[union-attr]
    try:
        server.run()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.close()
