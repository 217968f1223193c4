"""The reconcile: a day recomputed from Postgres, Redis repaired where it differs, drift counted."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest

from sqlalchemy import text

from analytics import keys, replay_outbox
from analytics.live.apply import apply_events
from analytics.reconcile import reconcile_day, reconcile_range
from tests.analytics.sales import at, open_shop, wrong_figures

DAY = date(2026, 11, 20)


@pytest.fixture
def shop(api, store):
    store.redis.set(keys.built(), "{}")  # an empty Redis over an empty database is a full build
    return open_shop(api, store)


def _sell(shop, tz, apply=True):
    station, driver, device = shop.stations[0], shop.drivers[0], shop.devices[0]
    shop.buy(device, [("COLA", 2)], at(tz, "2026-11-20 09:00"), apply=apply)
    return shop.order(driver, [(station, "CHIPS", 3)], at(tz, "2026-11-20 10:00"), apply=apply)


def test_a_lost_apply_is_found_and_repaired_in_every_period(shop, store):
    tz = store.settings.tz
    _sell(shop, tz)
    assert reconcile_day(store, DAY)["drifted"] == 0
    shop.buy(shop.devices[1], [("COLA", 2)], at(tz, "2026-11-20 12:00"), apply=False)
    assert wrong_figures(store, [DAY])
    result = reconcile_day(store, DAY)
    # the purchase's share: platform, driver and device totals (3 fields each), the product in both
    # platform rankings, the driver's place in the driver ranking and its units and orders
    assert result["drifted"] == 14 and result["unsettled"] == 0
    assert wrong_figures(store, [DAY]) == []  # day, ISO week, month, year and total all whole
    assert reconcile_day(store, DAY)["drifted"] == 0


def test_an_event_applied_twice_is_taken_out_once(shop, store):
    """Its dedupe keys gone (say Redis restored from an old snapshot), a replay counted it again."""
    tz = store.settings.tz
    _sell(shop, tz)
    with store.engine.connect() as conn:
        event = conn.execute(text("SELECT id, kind, payload FROM outbox WHERE kind = 'replenishment'")).one()
    for scope in ("p", keys.station(shop.stations[0]), keys.driver(shop.drivers[0])):
        store.redis.delete(keys.dedupe(scope, event.id))
    apply_events(store, [event])
    assert wrong_figures(store, [DAY])
    result = reconcile_day(store, DAY)
    # platform, station and driver totals (3 each), the product in the platform's and the station's
    # rankings (amount and units), the station's place, units and orders in the station ranking
    assert result["drifted"] == 3 * 3 + 2 * 2 + 3
    assert wrong_figures(store, [DAY]) == []


def test_cancelled_orders_count_nowhere_after_a_repair(shop, store):
    tz = store.settings.tz
    orders = _sell(shop, tz)
    shop.cancel(orders[0]["order_id"], apply=False)  # the cancel's apply was lost: Redis still counts it
    assert wrong_figures(store, [DAY])
    assert reconcile_day(store, DAY)["drifted"] == 16
    assert wrong_figures(store, [DAY]) == []


def test_pending_events_are_neither_counted_twice_nor_lost(shop, store):
    tz = store.settings.tz
    _sell(shop, tz, apply=None)  # committed while Redis was down: pending in the outbox
    assert reconcile_day(store, DAY) == {"day": "2026-11-20", "drifted": 0, "unsettled": 0, "bits": 0}
    assert replay_outbox(store)["applied"] == 2
    assert wrong_figures(store, [DAY]) == []
    assert reconcile_day(store, DAY)["drifted"] == 0


def test_reconcile_while_ingest_goes_on(shop, store):
    """Sales keep coming (some left pending) while the day is reconciled again and again."""
    tz = store.settings.tz
    today = datetime.now(tz).date()
    stop = threading.Event()
    errors = []

    def ingest():
        n = 0
        try:
            while not stop.is_set() or n < 20:
                n += 1
                device = shop.devices[n % 2]
                shop.buy(device, [("COLA", 1 + n % 3), ("WATER", 1)], datetime.now(tz), apply=None if n % 5 else True)
                shop.order(shop.drivers[n % 2], [(shop.stations[n % 2], "CHIPS", 1)], datetime.now(tz),
                           apply=True if n % 4 else None)
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    thread = threading.Thread(target=ingest)
    thread.start()
    results = [reconcile_day(store, today) for _ in range(5)]
    stop.set()
    thread.join()
    assert errors == []
    assert sum(r["drifted"] for r in results) == 0  # nothing real drifted, so nothing may be "repaired"
    replay_outbox(store)
    assert wrong_figures(store, [today]) == []


def test_a_range_reports_drift_per_day(shop, store):
    tz = store.settings.tz
    shop.buy(shop.devices[0], [("COLA", 1)], at(tz, "2026-11-18 23:00"), apply=False)
    shop.buy(shop.devices[0], [("COLA", 1)], at(tz, "2026-11-20 01:00"))
    result = reconcile_range(store, date(2026, 11, 17), date(2026, 11, 20))
    assert result["days"] == 4 and result["by_day"] == {"2026-11-18": 14} and result["drifted"] == 14
    assert wrong_figures(store, [date(2026, 11, 18), DAY]) == []
    assert reconcile_range(store, date(2026, 11, 18), date(2026, 11, 18), repair=False)["drifted"] == 0


def test_no_reconcile_while_redis_is_being_rebuilt(shop, store):
    store.redis.set(keys.rebuild_lock(), "someone")
    assert reconcile_day(store, DAY)["skipped"]
    store.redis.delete(keys.rebuild_lock(), keys.built())
    assert reconcile_day(store, DAY)["skipped"]  # the marker is missing: a rebuild is due
