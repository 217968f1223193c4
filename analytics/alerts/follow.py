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
        self.wake = threading.Event()
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="alert-follower", daemon=True)
        self.thread.start()

    def add(self, events) -> None:
        due = subjects_of(events)
        if due:
            with self.lock:
                for kind, subjects in due.items():
                    self.due.setdefault(kind, set()).update(subjects)
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
            self.wake.set()
            self.flush()

    def _run(self) -> None:
        while not self.closed:
            self.wake.wait()
            self.wake.clear()
            if self.closed:
                return
            self.wake.wait(FLUSH_SECONDS)  # gather what the next few commits bring
            self.flush()


_lock = threading.Lock()


def follower(store, hand_off) -> Follower:
    """This process's follower for ``store`` (a forked worker starts its own thread)."""
    current = store.alert_follower
    if current is None or current.pid != os.getpid() or current.closed:
        with _lock:
            current = store.alert_follower
            if current is None or current.pid != os.getpid() or current.closed:
                current = store.alert_follower = Follower(store, hand_off)
                store.on_close(current.close)
    return current


def register(store) -> None:
    """Follow ``store.committed`` (the one registration, beside the live apply's): the events' subjects
    are collected for this process's follower; its alert events are published the same way (and, having
    no triggers, come back to it for nothing)."""
    def collect(events) -> None:
        if store.settings.alerts_after_commit:
            follower(store, lambda s, alert_events: s.committed.publish(alert_events)).add(events)

    store.committed.follow("alerts", collect)
