"""Alerts right after a commit: a follower of the hand-off of committed events.

An event that can make a rule true at once (a purchase that empties a sku,
an order that takes a station's last units) names its subjects through the
rule's ``triggers``. The follower only collects them: a thread of the
process evaluates those rules for those subjects every ``FLUSH_SECONDS``, in
one transaction, so a request never waits for it and a batch upload of 500
purchases is one evaluation. A subject lost in a crash is picked up by the
scheduler's minute-by-minute evaluation.
"""
from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone

from analytics.alerts.rules import RULES

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.1
TRIGGERS: dict[str, list] = {}  # outbox kind -> [(rule kind, subjects of an event)]
for _rule in RULES:
    for _kind, _subjects in _rule.triggers.items():
        TRIGGERS.setdefault(_kind, []).append((_rule.kind, _subjects))


def subjects_of(events) -> dict[str, set]:
    """rule kind -> the subjects the events touched."""
    due: dict[str, set] = {}
    for event in events:
        for rule_kind, subjects in TRIGGERS.get(event.kind, ()):
            found = subjects(event.payload)
            if found:
                due.setdefault(rule_kind, set()).update(found)
    return due


class Follower:
    def __init__(self, store, hand_off):
        self.store, self.hand_off = store, hand_off
        self.pid = os.getpid()
        self.due: dict[str, set] = {}
        self.lock = threading.Lock()
        self.flushing = threading.Lock()  # a flush waits for one under way: after it, what was added is done
        self.wake = threading.Event()  # something was added
        self.stopped = threading.Event()  # closed: cuts the gathering window short
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="alert-follower", daemon=True)
        self.thread.start()

    def add(self, events) -> None:
        self.add_due(subjects_of(events))

    def add_due(self, due: dict[str, set]) -> None:
        """Collect ``subjects_of`` some events for the next flush."""
        if due:
            with self.lock:
                for kind, subjects in due.items():
                    self.due.setdefault(kind, set()).update(subjects)
            if not self.wake.is_set():  # set already while the window gathers: no need to notify again
                self.wake.set()

    def flush(self) -> None:
        with self.flushing:
            self._flush()

    def _flush(self) -> None:
        from analytics.alerts.run import evaluate  # late: it reaches the hand-off that registers this

        with self.lock:
            due, self.due = self.due, {}
        if not due:
            return
        try:
            events = evaluate(self.store, datetime.now(timezone.utc), kinds=set(due),
                              subjects={k: sorted(v, key=str) for k, v in due.items()})
        except Exception as exc:  # Postgres away: the scheduler's evaluation catches up
            log.warning("alerts after commit not evaluated (%d rule(s)): %s", len(due), exc)
            return
        self.hand_off(self.store, events)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.stopped.set()
            self.wake.set()
            self.flush()

    def _run(self) -> None:
        while not self.closed:
            self.wake.wait()
            if self.closed:
                return
            # Gather what the next commits bring. Not on ``wake``: the next add sets it at once, and
            # under steady traffic every second or third purchase was an evaluation of its own.
            self.stopped.wait(FLUSH_SECONDS)
            self.wake.clear()  # before the flush takes ``due``: an add after that wakes the next round
            self.flush()


_lock = threading.Lock()
_pid = [os.getpid()]  # this process's, kept by a fork hook rather than a system call per commit
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


def follower(store, hand_off) -> Follower:
    """This process's follower for ``store`` (a forked worker starts its own thread)."""
    current = store.alert_follower
    if current is None or current.pid != _pid[0] or current.closed:
        with _lock:
            current = store.alert_follower
            if current is None or current.pid != _pid[0] or current.closed:
                current = store.alert_follower = Follower(store, hand_off)
                store.on_close(current.close)
    return current


def register(store) -> None:
    """Follow ``store.committed`` (the one registration, beside the live apply's): the events' subjects
    are collected for this process's follower (started by the first event with any); its alert events
    are published the same way (and, having no triggers, come back to it for nothing)."""
    def collect(events) -> None:
        if store.settings.alerts_after_commit:
            due = subjects_of(events)
            if due:
                follower(store, lambda s, alert_events: s.committed.publish(alert_events)).add_due(due)

    store.committed.follow("alerts", collect)
