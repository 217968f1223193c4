"""Outbox marks, written behind the live apply in small batches.

A mark only tells the replay that an event is in Redis already: a lost or
late mark makes the replay apply the event again, which its dedupe key
absorbs. So a request does not wait for it. Each process collects the ids of
the events it applied; one thread writes them in one ``UPDATE`` every
``FLUSH_SECONDS`` (sooner past ``MAX_IDS``), without waiting for the WAL
flush, and what is left is written when the process closes its store or
exits. One transaction a batch instead of one a request is about a fifth of a
purchase's cost on the hot path (bench/ingest.py).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading

from store import outbox

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
MAX_IDS = 1000

class Marks:
    """The ids one process applied and has not marked yet, and the thread that marks them."""

    def __init__(self, store, interval: float = FLUSH_SECONDS):
        self.store, self.interval = store, interval
        self.pid = os.getpid()
        self.ids: list[int] = []
        self.lock = threading.Lock()  # guards ``ids``
        # One writer at a time, held across the UPDATE: a flush at shutdown must wait for
        # the thread's write in flight, or the process could exit with those ids unwritten.
        self.writing = threading.Lock()
        self.wake = threading.Event()
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="outbox-marks", daemon=True)
        self.thread.start()
        atexit.register(self.close)

    def add(self, ids: list[int]) -> None:
        with self.lock:
            self.ids.extend(ids)
            if len(self.ids) >= MAX_IDS:
                self.wake.set()

    def flush(self) -> None:
        """Write what is collected now (tests and shutdown; the thread does it otherwise)."""
        with self.writing:
            with self.lock:
                ids, self.ids = self.ids, []
            if not ids:
                return
            try:
                outbox.mark_applied_now(self.store.engine, ids)
            except Exception as exc:  # the rows stay pending: the replay re-applies them harmlessly
                log.warning("could not mark %d outbox row(s) applied: %s", len(ids), exc)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.wake.set()
            self.flush()

    def _run(self) -> None:
        while not self.closed:
            self.wake.wait(self.interval)
            self.wake.clear()
            self.flush()


_lock = threading.Lock()


def marks(store) -> Marks:
    """This process's ``Marks`` for ``store`` (a forked worker starts its own thread)."""
    current = store.outbox_marks
    if current is None or current.pid != os.getpid() or current.closed:
        with _lock:
            current = store.outbox_marks
            if current is None or current.pid != os.getpid() or current.closed:
                current = store.outbox_marks = Marks(store)
                store.on_close(current.close)
    return current


def flush(store) -> None:
    """Write this process's collected marks now."""
    current = store.outbox_marks
    if current is not None and current.pid == os.getpid():
        current.flush()
