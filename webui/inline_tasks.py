"""Requests answered in the server loop's own thread (a worker of several).

waitress hands every request to a task thread and back: the loop thread parses it and
wakes a task thread, which runs the app and wakes the loop again to send the answer.
A worker of ``serve --workers N`` answers one request at a time anyway (the other
workers are the concurrency, as with pre-fork servers' sync workers), so the hand-offs
only cost: answered in the loop's thread, a request costs the server 0.1-0.4 ms of CPU
less, most of it system time (16 clients, 36k articles, 2 workers; BENCHMARKS, session 22).

One request is answered between two polls, not every request the poll brought: a
connection just accepted, or a request just arrived, waits for one search, not for a
queue of them (answering all at once made the last clients to connect wait 300 ms).
"""

from __future__ import annotations

import collections
import logging
from typing import Any

from waitress import wasyncore


class InlineTasks:
    """waitress's task dispatcher, without threads: :meth:`add_task` queues a channel
    whose request has arrived, and the loop calls :meth:`answer_one` after each poll."""

    def __init__(self) -> None:
        self._ready: collections.deque[Any] = collections.deque()

    def set_thread_count(self, count: int) -> None:
        """No threads to start or stop (waitress asks at start-up)."""

    def add_task(self, channel: Any) -> None:
        """Queue ``channel``'s first request (waitress calls this holding the channel's
        lock: the request is answered later, by :meth:`answer_one`)."""
        self._ready.append(channel)

    @property
    def pending(self) -> bool:
        """A request is waiting: the loop's next poll must not wait."""
        return bool(self._ready)

    def answer_one(self) -> None:
        """Answer the oldest waiting request and send what can be sent of the answer
        at once (the loop would otherwise poll once more to find the socket writable)."""
        if not self._ready:
            return
        channel = self._ready.popleft()
        try:
            channel.service()  # the app's own errors become a 500 in there
        except Exception:
            logging.getLogger(__name__).exception("could not answer a request")
            channel.handle_close()
            return
        if channel.total_outbufs_len or channel.will_close:
            wasyncore.write(channel)  # as the loop does: a socket error closes the channel

    def shutdown(self, cancel_pending: bool = True, timeout: float = 0) -> bool:
        """Drop the requests still waiting (the server is stopping)."""
        while self._ready:
            self._ready.popleft().cancel()
        return True


def answer_waiting(server: Any) -> None:
    """After a poll of ``server``'s loop: answer one request if its dispatcher is an
    :class:`InlineTasks` (a threaded one answers in its own threads)."""
    if isinstance(server.task_dispatcher, InlineTasks):
        server.task_dispatcher.answer_one()


def poll_timeout(server: Any, otherwise: float) -> float:
    """How long the loop may wait in its next poll: not at all while a request waits."""
    tasks = server.task_dispatcher
    return 0.0 if isinstance(tasks, InlineTasks) and tasks.pending else otherwise
