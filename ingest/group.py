"""Group commit: single purchases arriving together in one process are settled together.

Each request's thread hands its purchase to the process's ``Group`` and waits.
The first to arrive while no group is being settled leads: it takes every
purchase queued so far, settles them with one call of ``run`` (one statement,
one commit, one hand-off of the committed events: see ``api.purchases``) and
only then wakes each waiter with its own outcome, so a ``201`` is sent after
its purchase is committed and applied. Purchases arriving meanwhile queue for
the next group, which the first of them leads.

A lone request leads at once and waits for nobody. A leader waits for company
only while other requests are known to be on their way (``coming``: counted
from the moment the request was routed, so their parsing overlaps the wait),
and never longer than ``wait`` seconds.
"""
from __future__ import annotations

import threading
import time
from typing import Callable


class _Entry:
    __slots__ = ("item", "result", "error", "done", "lead")

    def __init__(self, item):
        self.item, self.result, self.error = item, None, None
        self.done = threading.Event()
        self.lead = False


class Group:
    """``run(items) -> results`` (one per item, in order) settles a group; ``submit(item)`` returns
    the item's result, or raises what ``run`` raised for its group."""

    def __init__(self, run: Callable[[list], list], *, wait: float = 0.0015, limit: int = 500):
        self._run, self._wait, self._limit = run, wait, limit
        self._cond = threading.Condition(threading.Lock())
        self._queue: list[_Entry] = []
        self._leading = False
        self._coming = 0

    def coming(self) -> None:
        """A request that will submit (or call ``not_coming``) has started."""
        with self._cond:
            self._coming += 1

    def not_coming(self) -> None:
        """A request counted by ``coming`` ended without submitting (it failed before)."""
        with self._cond:
            self._coming -= 1
            self._cond.notify_all()

    def submit(self, item, *, counted: bool = False):
        entry = _Entry(item)
        with self._cond:
            if counted:
                self._coming -= 1
            self._queue.append(entry)
            self._cond.notify_all()
            lead = not self._leading
            self._leading = True
        if not lead:
            entry.done.wait()
        if lead or entry.lead:
            self._lead()
        if entry.error is not None:
            raise entry.error
        return entry.result

    def _lead(self) -> None:
        with self._cond:
            deadline = time.monotonic() + self._wait
            while self._coming > 0 and len(self._queue) < self._limit:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            group, self._queue = self._queue[:self._limit], self._queue[self._limit:]
        try:
            results = self._run([entry.item for entry in group])
            for entry, result in zip(group, results, strict=True):
                entry.result = result
        except BaseException as exc:  # every request of the group answers it (a 503 when Postgres is down)
            for entry in group:
                entry.error = exc
        for entry in group:
            entry.done.set()
        with self._cond:
            if self._queue:  # the next group's leader: the first that arrived meanwhile
                self._queue[0].lead = True
                self._queue[0].done.set()
            else:
                self._leading = False
