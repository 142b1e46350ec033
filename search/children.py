"""Worker processes of a rebuild die with it.

A rebuild forks helpers (the segmenting pool's workers). If the rebuild is
killed (``kill -9``, the out-of-memory killer), orphaned helpers would live on, idle,
holding memory and the inherited rebuild lock, so that every later rebuild is refused.
Inside :func:`tied_to_this_process`, every child forked asks Linux to kill it when its
parent dies (``PR_SET_PDEATHSIG``). The pools of workers are made by :func:`worker_pool`,
which also sees that a worker ends at its pool's SIGTERM however early it comes, that
Ctrl-C reaches only the rebuild, and that a pool left by an exception winds down before
it is stopped.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool

_PR_SET_PDEATHSIG = 1
WIND_DOWN_S = 60  # the longest a pool left by an exception waits for its workers' tasks
_state = {"active": False, "parent": 0, "hooked": False}


def _after_fork_in_child() -> None:
    if not _state["active"]:
        return
    _state["active"] = False  # the child's own children are its business
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _state["parent"]:  # the parent died before the request was made
        os._exit(1)


@contextmanager
def tied_to_this_process() -> Iterator[None]:
    """Children forked in this block are killed when this process dies."""
    if not sys.platform.startswith("linux"):
        yield
        return
    if not _state["hooked"]:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _state["hooked"] = True
    _state["active"], _state["parent"] = True, os.getpid()
    try:
        yield
    finally:
        _state["active"] = False


_HELD = {signal.SIGTERM, signal.SIGINT}


def _worker_started(then: Callable[[], object] | None) -> None:
    """A worker takes SIGTERM's default action back and ignores Ctrl-C (the rebuild stops
    its pool), then lets the signals in (a SIGTERM that came while they were held ends
    the worker now), then runs ``then``."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    if then is not None:
        then()


class WorkerPool(Pool):
    """A :class:`multiprocessing.pool.Pool` that, left by an exception (Ctrl-C, SIGTERM,
    a failed write, or a generator closed early), first lets its workers finish the
    tasks they were given, then stops them.

    ``Pool.terminate`` with results on their way can hang for ever: its result thread
    leaves, a worker still writing a result larger than the pipe holds blocks with the
    results queue's lock, and the pool's last message waits for that lock. A rebuild
    stopped by SIGTERM hung so about one time in fifteen. Callers keep few tasks in
    flight, so winding down takes about a second."""

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        try:
            if exc_type is not None:
                self.wind_down()
        finally:
            self.terminate()

    def wind_down(self, timeout: float = WIND_DOWN_S) -> None:
        """Take no more tasks and wait (at most ``timeout`` seconds) for the workers to
        finish those given and leave; the results go on being read meanwhile."""
        self.close()
        joining = threading.Thread(target=self.join, daemon=True)
        joining.start()
        joining.join(timeout)


def worker_pool(processes: int, initializer: Callable[[], object] | None = None) -> WorkerPool:
    """A pool of forked workers that end at the SIGTERM the pool sends them when it stops.

    A worker is forked with the rebuild's SIGTERM handler (which raises KeyboardInterrupt)
    and gives SIGTERM its default action as it starts. A SIGTERM that came in between was
    lost (Python drops a signal whose handler changed before it ran), and a pool stopped
    that soon waited forever for the worker. So SIGTERM (and Ctrl-C, which workers
    ignore) is held back while the workers are forked, until each has its handlers."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        started = functools.partial(_worker_started, initializer)
        return WorkerPool(processes, initializer=started, context=multiprocessing.get_context("fork"))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
