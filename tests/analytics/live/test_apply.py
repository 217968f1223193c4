"""Exactly once: an outbox event counts once however often, and however concurrently, it is applied."""
from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import text

import analytics
from analytics import keys, queries
from analytics.live import apply, marks
from store import outbox
from tests.analytics.compare import assert_equal_to_truth
from tests.analytics.traffic import ago, build_fleet


@pytest.fixture
def fleet(api, store):
    fleet = build_fleet(api, stations=2, products=3, drivers=2, ads=1)
    marks.flush(store)  # the catalogue's events (applied by its requests) marked, so the tests count their own
    return fleet


def outbox_rows(store, kind=None):
    sql = "SELECT id, kind, payload, applied_at FROM outbox" + (" WHERE kind = :k" if kind else "") + " ORDER BY id"
    with store.engine.connect() as conn:
        return conn.execute(text(sql), {"k": kind}).all()


def platform_total(store, kind="retail"):
    return queries.summary(store, "platform", kind)["total"]


def test_the_same_event_applied_twice_and_from_two_threads_counts_once(fleet, store):
    fleet.purchase(fleet.devices[0], [(fleet.products[0]["sku"], 2)])  # 2 x 150
    (event,) = outbox_rows(store, "purchase")
    marks.flush(store)  # marked behind the request, in a batch
    (event,) = outbox_rows(store, "purchase")
    assert event.applied_at is not None
    apply.apply_events(store, [event])
    apply.apply_events(store, [event])
    barrier = threading.Barrier(2)

    def again():
        barrier.wait()
        apply.apply_events(store, [event] * 3)

    threads = [threading.Thread(target=again) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert platform_total(store) == {"amount_cents": 300, "units": 2, "orders": 1}
    assert queries.summary(store, f"device:{fleet.devices[0]['id']}", "retail")["today"]["amount_cents"] == 300


def test_a_crash_between_commit_and_mark_is_fixed_by_the_replay_without_doubling(fleet, store, monkeypatch):
    # crash after the Redis apply, before the mark
    monkeypatch.setattr(apply, "_mark", lambda store, ids: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        apply.apply_committed(store, _commit_purchase(fleet, store))
    # crash before the Redis apply: nothing applied at all
    monkeypatch.setattr(apply, "apply_events", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        apply.apply_committed(store, _commit_purchase(fleet, store))
    monkeypatch.undo()
    assert sum(r.applied_at is None for r in outbox_rows(store)) == 2
    assert platform_total(store)["orders"] == 1  # the first got to Redis before the crash
    assert analytics.replay_outbox(store) == {"applied": 2, "failed": 0, "batches": 1}
    assert all(r.applied_at is not None for r in outbox_rows(store))
    assert platform_total(store) == {"amount_cents": 300, "units": 2, "orders": 2}
    assert analytics.replay_outbox(store)["applied"] == 0
    assert_equal_to_truth(store, days=2)


def _commit_purchase(fleet, store):
    """A purchase committed by ingest, its events not yet handed to the analytics."""
    from ingest import purchases
    from ingest.purchases import PurchaseRequest
    from datetime import datetime, timezone

    request = PurchaseRequest(key=f"crash-{time.monotonic_ns()}", occurred_at=datetime.now(timezone.utc),
                              items=((fleet.products[0]["sku"], 1),), payment_method="cash")
    _, events = purchases.record_purchase(store, fleet.devices[0]["id"], f"device:{fleet.devices[0]['id']}", request)
    return events


def test_concurrent_replays_apply_each_pending_event_once(fleet, store):
    store.analytics_paused_until = time.monotonic() + 60  # as if Redis had just failed
    try:
        for i in range(40):
            fleet.purchase(fleet.devices[i % 2], [(fleet.products[i % 3]["sku"], 1 + i % 4)])
    finally:
        store.analytics_paused_until = 0.0
    assert len([r for r in outbox_rows(store, "purchase") if r.applied_at is None]) == 40
    results = []
    threads = [threading.Thread(target=lambda: results.append(analytics.replay_outbox(store, batch=7)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["applied"] for r in results) >= 40  # driver_active rows may be among them
    assert all(r.applied_at is not None for r in outbox_rows(store))
    assert_equal_to_truth(store, days=1)


def test_cancel_reverses_the_order_in_its_original_periods_and_late_events_land_in_theirs(fleet, store):
    s = fleet.stations[0]["id"]
    order = fleet.order(fleet.drivers[0], [(s, fleet.products[0]["sku"], 3)])["orders"][0]
    (placed,) = outbox_rows(store, "replenishment")
    cancel = dict(placed.payload["orders"][0])
    late = "2026-01-05T10:00:00+08:00"  # a cancel applied to an order counted on another day
    cancel["created_at"] = late
    events = [apply_event(900, "replenishment", {"orders": [cancel]}),
              apply_event(901, "replenishment_cancelled", cancel)]
    apply.apply_events(store, events)
    from datetime import date
    assert queries.daily_series(store, f"station:{s}", "wholesale", days=1, end=date(2026, 1, 5))["points"][0][
        "orders"] == 0
    assert queries.product_ranking(store, "wholesale", "day", date(2026, 1, 5))["items"] == []  # left the ranking
    fleet.cancel(order["id"])
    assert queries.summary(store, f"station:{s}", "wholesale")["today"] == {"amount_cents": 0, "units": 0,
                                                                           "orders": 0}
    assert queries.product_ranking(store, "wholesale", "day")["items"] == []
    assert queries.station_ranking(store, "day")["items"] == []


def apply_event(event_id, kind, payload):
    from store.outbox import Event

    return Event(event_id, kind, payload)


def test_each_applied_event_is_published_once(fleet, store):
    pubsub = store.redis.pubsub()
    pubsub.subscribe(keys.channel())
    pubsub.get_message(timeout=1)  # the subscription confirmation
    fleet.purchase(fleet.devices[0], [(fleet.products[1]["sku"], 1)], location=(31.2, 121.4))
    (event,) = outbox_rows(store, "purchase")
    apply.apply_events(store, [event])  # a repeat publishes nothing
    messages = []
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            messages.append(json.loads(message["data"]))
    pubsub.close()
    purchases = [m for m in messages if m["kind"] == "purchase"]
    assert purchases == [{"id": event.id, "kind": "purchase", "at": event.payload["occurred_at"],
                          "driver_id": fleet.drivers[0]["id"], "device_id": fleet.devices[0]["id"],
                          "total_cents": 187}]


def test_a_bad_event_is_retried_a_few_times_then_left_aside(fleet, store):
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (kind, payload) VALUES ('purchase', '{\"oops\": 1}')"))
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        counts = analytics.replay_outbox(store)
    assert counts == {"applied": 0, "failed": 0, "batches": 0}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT attempts FROM outbox WHERE payload ? 'oops'")).scalar() == outbox.MAX_ATTEMPTS


def test_redis_errors_never_reach_ingest_and_pause_the_live_apply(fleet, app, settings, store):
    from app import create_app
    from tests.helpers import closed_port

    down = create_app(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}"}),
                      dashboard=False)
    from store import get_store

    down_store = get_store(down)
    started = time.monotonic()
    apply.apply_committed(down_store, [apply_event(1, "driver_active", {"driver_id": 1, "date": "2026-11-28"})])
    assert apply._paused(down_store)
    apply.apply_committed(down_store, [apply_event(2, "driver_active", {"driver_id": 1, "date": "2026-11-28"})])
    assert time.monotonic() - started < 2
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (kind, payload) VALUES ('driver_active', "
                          "'{\"driver_id\": 1, \"date\": \"2026-11-28\"}')"))
    counts = analytics.replay_outbox(down_store)
    assert "error" in counts and counts["applied"] == 0
    down_store.close()


def _pending_purchases(fleet, store, count):
    store.analytics_paused_until = time.monotonic() + 60  # committed, not applied
    try:
        for i in range(count):
            fleet.purchase(fleet.devices[i % 2], [(fleet.products[i % 3]["sku"], 1 + i % 2)],
                           location=(31.2 + i / 1000, 121.4))
    finally:
        store.analytics_paused_until = 0.0
    return outbox_rows(store, "purchase")


def test_a_batch_of_events_is_applied_as_one_group_counted_once_and_published_per_event(fleet, store):
    rows = _pending_purchases(fleet, store, 12)
    pubsub = store.redis.pubsub()
    pubsub.subscribe(keys.channel())
    pubsub.get_message(timeout=1)
    assert apply.apply_events(store, rows) == ([r.id for r in rows], [])
    assert apply.apply_events(store, rows) == ([r.id for r in rows], [])  # already applied: nothing more
    published = set()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            published.add(json.loads(message["data"])["id"])
    pubsub.close()
    assert published == {r.id for r in rows}
    assert platform_total(store)["orders"] == 12
    assert_equal_to_truth(store, days=1)


def test_a_group_holding_an_event_applied_before_is_applied_one_by_one(fleet, store):
    rows = _pending_purchases(fleet, store, 6)
    apply.apply_events(store, [rows[2]])  # a replay got to this one first
    apply.apply_events(store, rows[:3])
    apply.apply_events(store, rows)
    assert platform_total(store)["orders"] == 6
    assert_equal_to_truth(store, days=1)
