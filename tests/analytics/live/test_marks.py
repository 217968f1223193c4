"""Outbox marks are written behind the request, in batches, and none is left behind at shutdown."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from analytics.live import marks
from store import Store
from tests.analytics.traffic import build_fleet


def pending(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE applied_at IS NULL")).scalar()


def unapplied_purchases(api, store, n: int) -> list[int]:
    """``n`` purchases whose events are left unapplied and unmarked; the pending outbox ids."""
    fleet = build_fleet(api, stations=1, products=1, drivers=1, ads=1)
    marks.flush(store)  # the catalogue's events, applied by its requests, marked: only the purchases wait
    store.analytics_paused_until = time.monotonic() + 60
    try:
        for _ in range(n):
            fleet.purchase(fleet.devices[0], [(fleet.products[0]["sku"], 1)])
    finally:
        store.analytics_paused_until = 0.0
    with store.engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM outbox WHERE applied_at IS NULL")).scalars())
    assert len(ids) >= n
    return ids


def test_the_marks_thread_writes_applied_events_within_moments(api, store):
    fleet = build_fleet(api, stations=1, products=2, drivers=2, ads=1)
    for i in range(10):
        fleet.purchase(fleet.devices[i % 2], [(fleet.products[i % 2]["sku"], 1)])
    deadline = time.monotonic() + 5
    while pending(store) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pending(store) == 0


def test_marks_still_collected_are_written_when_the_store_closes(api, store, settings):
    ids = unapplied_purchases(api, store, 3)
    worker = Store.from_settings(settings)  # as a gunicorn worker's own store
    collected = marks.Marks(worker, interval=3600)  # its thread would not write them for an hour
    worker.on_close(collected.close)
    collected.add(ids)
    time.sleep(0.3)
    assert pending(store) == len(ids)
    worker.close()  # the worker stops
    assert pending(store) == 0


def test_a_flush_at_shutdown_waits_for_the_threads_write_in_flight(api, store, settings):
    """gunicorn's worker_exit flushes while the thread may be writing a batch it already took:
    when that flush returns the batch must be in Postgres, or the process exits without it."""
    ids = unapplied_purchases(api, store, 3)
    worker = Store.from_settings(settings)
    collected = marks.Marks(worker, interval=0.05)
    blocker = store.engine.connect()
    try:
        blocker.begin()
        blocker.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": ids[0]})
        collected.add(ids)
        time.sleep(0.5)  # the thread took the batch; its UPDATE waits on the row lock
        flushing = threading.Thread(target=collected.flush)
        flushing.start()
        flushing.join(0.5)
        assert flushing.is_alive(), "the shutdown flush returned while the batch was still being written"
    finally:
        blocker.rollback()
        blocker.close()
    flushing.join(10)
    assert not flushing.is_alive() and pending(store) == 0
    collected.close()
    worker.close()
