"""Worker processes of a rebuild die with it.

A rebuild forks helpers (the segmenting pool's workers). If the rebuild is
killed (``kill -9``, the out-of-memory killer), orphaned helpers would live on, idle,
holding memory and the inherited rebuild lock, so that every later rebuild is refused.
Inside :func:`tied_to_this_process`, every child forked asks Linux to kill it when its
parent dies (``PR_SET_PDEATHSIG``). The pools of workers are made by :func:`worker_pool`,
which also sees that a worker ends at its pool's SIGTERM however early it comes.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool

_PR_SET_PDEATHSIG = 1
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


def _worker_started(then: Callable[[], object] | None) -> None:
    """A worker takes SIGTERM's default action back, then lets SIGTERM in (one that came
    while it was held ends the worker now), then runs ``then``."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    if then is not None:
        then()


def worker_pool(processes: int, initializer: Callable[[], object] | None = None) -> Pool:
    """A pool of forked workers that end at the SIGTERM the pool sends them when it stops.

    A worker is forked with the rebuild's SIGTERM handler (which raises KeyboardInterrupt)
    and gives SIGTERM its default action as it starts. A SIGTERM that came in between was
    lost (Python drops a signal whose handler changed before it ran), and a pool stopped
    that soon waited forever for the worker. So SIGTERM is held back while the workers
    are forked, until each has its default action."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        context = multiprocessing.get_context("fork")
        return context.Pool(processes, initializer=functools.partial(_worker_started, initializer))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
