"""The scheduler process: its job table, the jobs it composes, its command line."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from analytics import keys
from commands.scheduler import build_scheduler, expire_pickups, job_table
from ingest.replenishments import Actor, pickup
from store import jobruns
from tests.analytics.sales import at, open_shop, wrong_figures


@pytest.fixture
def shop(api, store):
    store.redis.set(keys.built(), "{}")  # an empty Redis over an empty database is a full build
    return open_shop(api, store)


def _status(store, order_id):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT status, cancel_reason FROM orders WHERE id = :id"), {"id": order_id}).one()


def _stock(store, station_id, sku):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT s.quantity FROM station_stock s JOIN products p ON p.id = s.product_id "
                                 "WHERE s.station_id = :s AND p.sku = :k"), {"s": station_id, "k": sku}).scalar()


def test_every_job_is_declared_with_an_id_coalesced_and_one_at_a_time(store):
    jobs = job_table()
    assert len({job.id for job in jobs}) == len(jobs)
    assert {"outbox_replay", "day_roll", "reconcile", "self_heal", "pickup_expiry", "partitions",
            "idempotency_cleanup", "stale_drivers", "key_ttl_sweep", "devices_online", "creative_retention"} <= {job.id for job in jobs}
    scheduler = build_scheduler(store, jobs, blocking=False)
    for entry in scheduler.get_jobs():
        assert entry.coalesce is True and entry.max_instances == 1 and entry.misfire_grace_time > 0, entry.id
    roll = scheduler.get_job("day_roll")
    assert str(roll.trigger.timezone) == "Asia/Shanghai"
    first = roll.trigger.get_next_fire_time(None, at(store.settings.tz, "2026-12-31 23:00"))
    assert first == at(store.settings.tz, "2027-01-01 00:00:20")


def test_expiry_cancels_only_old_orders_restores_stock_and_figures(shop, store):
    tz = store.settings.tz
    now = at(tz, "2026-11-20 12:00")
    hours = store.settings.pickup_expiry_hours
    station = shop.stations[0]
    old = shop.order(shop.drivers[0], [(station, "WATER", 10)], now - timedelta(hours=hours, minutes=1))
    young = shop.order(shop.drivers[1], [(station, "WATER", 5)], now - timedelta(hours=hours, minutes=-1))
    collected = shop.order(shop.drivers[1], [(station, "CHIPS", 2)], now - timedelta(hours=hours + 5))
    pickup(store, collected[0]["order_id"], Actor("admin"))
    assert _stock(store, station, "WATER") == 100000 - 15

    assert expire_pickups(store, now) == {"cancelled": 1}

    assert tuple(_status(store, old[0]["order_id"])) == ("cancelled", "expired")
    assert _status(store, young[0]["order_id"]).status == "awaiting_pickup"
    assert _status(store, collected[0]["order_id"]).status == "picked_up"
    assert _stock(store, station, "WATER") == 100000 - 5  # the expired order's units are back on the shelf
    days = sorted({(now - timedelta(hours=h)).date() for h in (hours + 5, hours, hours - 1)})
    assert wrong_figures(store, days) == []  # the cancelled order left every figure it was in
    # all three were placed on the 19th: the station's day keeps the young and the collected order only
    day = store.redis.hgetall(keys.totals(keys.station(station), "wholesale", "day:2026-11-19"))
    assert day == {"amount": str(5 * 90 + 2 * 500), "units": "7", "orders": "2"}
    assert expire_pickups(store, now) == {"cancelled": 0}


def test_the_command_line_reconciles_a_range(shop, store, settings, monkeypatch, capsys):
    import app

    tz = store.settings.tz
    shop.buy(shop.devices[0], [("COLA", 2)], at(tz, "2026-11-18 10:00"), apply=False)
    for name in ("database_url", "redis_url", "admin_token", "secret_key"):
        monkeypatch.setenv(f"BUYFREE_{name.upper()}", getattr(settings, name))
    assert app.main(["scheduler", "--reconcile", "2026-11-17:2026-11-19", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["drifted"] == 14
    assert wrong_figures(store, [datetime(2026, 11, 18).date()])
    assert app.main(["scheduler", "--reconcile", "2026-11-17:2026-11-19"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "ok" and report["by_day"] == {"2026-11-18": 14}
    assert wrong_figures(store, [datetime(2026, 11, 18).date()]) == []
    with store.sessions() as session:
        assert jobruns.get_run(session, "reconcile").detail["drifted"] == 14  # what /metrics shows


def test_a_missed_midnight_is_caught_up_when_the_scheduler_starts(shop, store):
    """Down over three midnights: the roll runs at start and closes each missed day."""
    tz = store.settings.tz
    today = datetime.now(tz).date()
    missed = [today - timedelta(days=i) for i in (3, 2, 1)]
    with store.transaction() as session:
        jobruns.set_marker(session, jobruns.LAST_ROLLED_DAY, (today - timedelta(days=4)).isoformat(),
                           datetime.now(tz))
    for i, day in enumerate(missed):
        shop.buy(shop.devices[0], [("COLA", i + 1)], at(tz, f"{day} 12:00"), apply=(i != 1))
    jobs = [job for job in job_table() if job.id == "day_roll"]
    scheduler = build_scheduler(store, jobs, blocking=False)
    scheduler.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with store.sessions() as session:
                run = jobruns.get_run(session, "day_roll")
            if run is not None and not jobruns.is_running(run):
                break
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert run.outcome == "ok", run.error
    assert run.detail["rolled"] == [d.isoformat() for d in missed] and run.detail["drifted"] == 14
    listed = [json.loads(raw) for raw in store.redis.lrange(keys.closed_days("p", "retail"), 0, -1)]
    assert [(e["date"], e["units"]) for e in listed] == [(d.isoformat(), n) for d, n in zip(missed[::-1], (3, 2, 1))]
    assert wrong_figures(store, missed) == []
