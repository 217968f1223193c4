"""Each alert kind opens on its condition and resolves when it clears, with times in the business zone;
two evaluators at once open one alert; every change is an outbox event."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import text

from analytics.alerts import evaluate
from tests.analytics.alerts.steps import alerts, now, open_alerts, outbox_kinds, picked_up, sql
from tests.analytics.traffic import build_fleet


def test_device_offline_opens_after_the_setting_and_resolves_on_a_heartbeat(fleet, api, store):
    device = fleet.devices[0]
    assert api.post("/devices/me/heartbeat", {}, token=device["api_key"]).status_code == 200
    evaluate(store, now())
    assert open_alerts(store, "device_offline") == []
    minutes = store.settings.device_offline_alert_minutes
    sql(store, "UPDATE devices SET last_seen_at = now() - make_interval(mins => :m) WHERE id = :d",
        m=minutes + 1, d=device["id"])
    events = evaluate(store, now(), kinds=("device_offline",))
    assert open_alerts(store, "device_offline") == [("device", str(device["id"]))]
    (alert,) = [e.payload for e in events]
    assert alert["severity"] == "warning" and alert["subject"] == {"type": "device", "id": device["id"]}
    assert alert["opened_at"].endswith("+08:00") and alert["detail"]["last_seen_at"].endswith("+08:00")
    assert fleet.devices[1]["id"] not in [int(s) for _, s in open_alerts(store, "device_offline")]  # never activated
    evaluate(store, now())  # still offline: the same one alert
    assert len(alerts(store, "device_offline")) == 1
    assert api.post("/devices/me/heartbeat", {}, token=device["api_key"]).status_code == 200
    evaluate(store, now(), kinds=("device_offline",))
    (row,) = alerts(store, "device_offline")
    assert row.resolved_at is not None
    assert outbox_kinds(store, "device_offline") == ["alert_opened", "alert_resolved"]


def test_device_stock_low_then_out_then_restocked(fleet, store):
    sku = fleet.products[0]["sku"]
    device = fleet.devices[0]
    threshold = store.settings.stock_alert_threshold
    picked_up(fleet, 0, sku, threshold + 2)
    evaluate(store, now())
    assert open_alerts(store, "device_stock_low") == [] and open_alerts(store, "device_stock_out") == []
    fleet.purchase(device, [(sku, 2)])
    evaluate(store, now())
    assert open_alerts(store, "device_stock_low") == [("device", str(device["id"]))]
    (low,) = alerts(store, "device_stock_low")
    assert low.detail["skus"] == [{"sku": sku, "quantity": threshold}]
    fleet.purchase(device, [(sku, threshold + 1)])  # one below zero: sold out (never refused)
    evaluate(store, now())
    assert open_alerts(store, "device_stock_low") == []
    assert open_alerts(store, "device_stock_out") == [("device", str(device["id"]))]
    (out,) = alerts(store, "device_stock_out")
    assert out.detail["skus"] == [{"sku": sku, "quantity": -1}]
    picked_up(fleet, 0, sku, 40)
    evaluate(store, now())
    assert open_alerts(store, "device_stock_out") == [] and open_alerts(store, "device_stock_low") == []


def test_station_stock_low_opens_at_the_threshold_and_resolves_when_restocked(fleet, api, store):
    station = fleet.stations[1]["id"]
    sku = fleet.products[1]["sku"]
    threshold = store.settings.station_stock_alert_threshold
    evaluate(store, now())
    assert open_alerts(store, "station_stock_low") == []
    fleet.order(fleet.drivers[0], [(station, sku, 50 - threshold)])
    evaluate(store, now())
    (row,) = alerts(store, "station_stock_low")
    assert (row.subject_type, row.subject_id, row.station_id) == ("station", str(station), station)
    assert row.detail["skus"] == [{"sku": sku, "quantity": threshold}]
    api.stock(station, [{"sku": sku, "quantity": 0, "on_shelf": False}])  # off the shelf: not low, not sold
    evaluate(store, now())
    assert open_alerts(store, "station_stock_low") == []


def business(day_offset: int, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    day = (datetime.now(tz) + timedelta(days=day_offset)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def test_no_sales_counts_only_the_selling_hours(fleet, store):
    device = fleet.devices[0]
    hours = store.settings.no_sales_alert_hours

    def at(moment):
        sql(store, "UPDATE devices SET activated_at = :t - interval '1 day', last_seen_at = :t - interval '10 seconds'",
            t=moment)
        evaluate(store, moment)
        return open_alerts(store, "no_sales")

    assert at(business(-1, 7, 30)) == []  # before the shop opens
    assert at(business(-1, 8 + hours - 1, 59)) == []  # open, but not yet 3 hours of it without a sale
    assert sorted(at(business(-1, 8 + hours, 0))) == sorted(("device", str(d["id"])) for d in fleet.devices)
    fleet.purchase(device, [(fleet.products[0]["sku"], 1)], occurred_at=business(-1, 12).isoformat())
    assert at(business(-1, 12, 30)) == [("device", str(fleet.devices[1]["id"]))]  # the one that sold cleared
    assert at(business(-1, 22, 0)) == []  # closed: every one resolves
    later = business(-1, 12, 30) + timedelta(hours=hours)
    assert len(at(later)) == 2
    sql(store, "UPDATE devices SET last_seen_at = :t - interval '1 hour'", t=later)
    evaluate(store, later)
    assert open_alerts(store, "no_sales") == []  # offline devices are device_offline's business


def test_pickup_overdue_after_half_the_expiry_resolves_on_cancel(fleet, store):
    station = fleet.stations[0]["id"]
    order = fleet.order(fleet.drivers[1], [(station, fleet.products[2]["sku"], 1)])["orders"][0]
    half = store.settings.pickup_expiry_hours / 2
    evaluate(store, now() + timedelta(hours=half) - timedelta(minutes=1))
    assert open_alerts(store, "pickup_overdue") == []
    evaluate(store, now() + timedelta(hours=half, minutes=1))
    (row,) = alerts(store, "pickup_overdue")
    assert (row.subject_type, row.subject_id, row.station_id) == ("order", order["id"], station)
    fleet.cancel(order["id"])
    evaluate(store, now() + timedelta(hours=half, minutes=2))
    (row,) = alerts(store, "pickup_overdue")
    assert row.resolved_at is not None


def test_two_evaluators_at_once_open_each_alert_once(api, store):
    fleet = build_fleet(api, stations=1, products=1, drivers=30, ads=0)
    sql(store, "UPDATE devices SET activated_at = now() - interval '2 days', last_seen_at = now() - interval '1 day'")
    for round_ in range(6):
        moment = now() + timedelta(minutes=round_)
        if round_ % 2:  # every other round they all come back: both evaluators race to resolve
            sql(store, "UPDATE devices SET last_seen_at = now()")
        else:
            sql(store, "UPDATE devices SET last_seen_at = now() - interval '1 day'")
        barrier, results = threading.Barrier(4), []

        def run():
            barrier.wait()
            results.append(evaluate(store, moment, kinds=("device_offline",)))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        changes = [e for events in results for e in events]
        assert len(changes) == len(fleet.devices), round_  # each device opened (or resolved) by one evaluator
        assert len({e.payload["subject"]["id"] for e in changes}) == len(fleet.devices)
    rows = alerts(store, "device_offline")
    assert len(rows) == 3 * len(fleet.devices)  # three openings each, none twice at a time
    assert all(r.resolved_at is not None for r in rows)
    assert outbox_kinds(store) == ["alert_opened"] * 30 + ["alert_resolved"] * 30 + ["alert_opened"] * 30 \
        + ["alert_resolved"] * 30 + ["alert_opened"] * 30 + ["alert_resolved"] * 30


def test_after_commit_a_sold_out_sku_opens_its_alert_without_the_scheduler(fleet, store, alerts_after_commit):
    """The hand-off's follower: the purchase's event names its device; the rules that it triggers are
    evaluated for that device alone, behind the request (flush waits for an evaluation under way)."""
    from analytics.alerts.follow import follower, subjects_of

    sku = fleet.products[0]["sku"]
    device = fleet.devices[0]
    picked_up(fleet, 0, sku, 2)
    sale = fleet.purchase(device, [(sku, 2)])
    with store.engine.connect() as conn:
        (row,) = conn.execute(text("SELECT id, kind, payload FROM outbox WHERE kind = 'purchase'")).all()
    assert subjects_of([row]) == {k: {device["id"]} for k in ("device_offline", "device_stock_out",
                                                               "device_stock_low", "no_sales")}
    follower(store, None).flush()  # the process's own, registered by the hand-off of the purchase
    assert open_alerts(store, "device_stock_out") == [("device", str(device["id"]))]
    assert outbox_kinds(store, "device_stock_out") == ["alert_opened"]
    assert open_alerts(store, "device_offline") == []  # only the device's own rules, and it is online
    assert sale["total_cents"] > 0
