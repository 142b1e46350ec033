"""Connections shared evenly among a server's worker processes.

The workers accept on one listening socket, and whichever wakes first takes a new
connection: a client's pool of 16 keep-alive connections can land 11 on one worker and 5
on the other, and the requests on the busier one then wait twice as long for as long as
the pool lives (16 clients at 36k: p95 86 ms with 10 and 6, 74 ms with 8 and 8).

So each worker publishes how many connections it holds in a small array of shared
memory, made before the fork, and listens for new ones only while it holds no more than
the fewest any running worker holds. A worker that has exited holds back no one: its
place reads :data:`ABSENT` until its replacement starts.
"""

from __future__ import annotations

import ctypes
import multiprocessing
from collections.abc import Callable
from typing import Any

ABSENT = 2**31 - 1  # the place of a worker that is not running
OUT_OF_TURN_POLL_S = 0.01


class ConnectionShares:
    """The open connections of each worker, by place (0 to ``workers`` - 1)."""

    def __init__(self, workers: int) -> None:
        self._held: Any = multiprocessing.RawArray(ctypes.c_int, [ABSENT] * workers)

    def started(self, place: int) -> None:
        """A worker runs in ``place``, with no connection yet."""
        self._held[place] = 0

    def ended(self, place: int) -> None:
        """The worker in ``place`` has exited."""
        self._held[place] = ABSENT

    def may_accept(self, place: int, held: int) -> bool:
        """Publish that the worker in ``place`` holds ``held`` connections; True when no
        running worker holds fewer."""
        self._held[place] = held
        return held <= min(self._held[:])  # a slice: one call, not one a worker


class ListenInTurn:
    """Make waitress ``server`` (on ``socket_map``) ask for new connections only in its
    turn (see :class:`ConnectionShares`). The map's size counts its connections: it
    also holds the listener and a wake-up pipe, as every worker's does.

    A worker out of turn is not woken when the others' counts change, so its loop
    waits at most :data:`OUT_OF_TURN_POLL_S` (:meth:`poll_timeout`) before it looks
    again: a new connection never waits long for a worker in turn to listen."""

    def __init__(self, server: Any, socket_map: dict[int, Any], shares: ConnectionShares, place: int) -> None:
        self._readable: Callable[[], bool] = server.readable  # also waitress's periodic clean-up
        self._map, self._shares, self._place = socket_map, shares, place
        self._timeout = float(server.adj.asyncore_loop_timeout)
        server.readable = self.readable

    def _in_turn(self) -> bool:
        return self._shares.may_accept(self._place, len(self._map))

    def readable(self) -> bool:
        """waitress's answer for the listener, and only in this worker's turn."""
        return bool(self._readable()) and self._in_turn()

    def poll_timeout(self) -> float:
        """How long the worker's loop may wait for an event (asked just before the loop
        asks :meth:`readable`, with the same counts)."""
        return self._timeout if self._in_turn() else OUT_OF_TURN_POLL_S
