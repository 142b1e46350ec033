"""Worker processes of a rebuild die with it.

A rebuild forks helpers (the segmenting pool's workers). If the rebuild is
killed (``kill -9``, the out-of-memory killer), orphaned helpers would live on, idle,
holding memory and the inherited rebuild lock, so that every later rebuild is refused.
Inside :func:`tied_to_this_process`, every child forked asks Linux to kill it when its
parent dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

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
