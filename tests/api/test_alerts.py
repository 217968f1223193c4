"""GET /alerts and POST /alerts/{id}/ack with API.md's rights; GET /devices/{id}/restock against a
computation from the sales history done here."""
from __future__ import annotations

import math
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from analytics.alerts import evaluate
from analytics.queries.places import distance_km
from tests.analytics.traffic import build_fleet


def now():
    return datetime.now(timezone.utc)


@pytest.fixture
def fleet(api):
    return build_fleet(api, stations=3, products=3, drivers=2, ads=0, stock=50)


def low_station(fleet, index):
    station = fleet.stations[index]["id"]
    fleet.order(fleet.drivers[0], [(station, fleet.products[0]["sku"], 45)])
    return station


def test_a_station_sees_and_acknowledges_only_its_own_alerts(fleet, api, store):
    s0, s1 = low_station(fleet, 0), low_station(fleet, 1)
    evaluate(store, now(), kinds=("station_stock_low",))
    everything = api.get("/alerts").get_json()
    assert everything["total"] == 2 and [a["station_id"] for a in everything["items"]] == [s1, s0]  # newest first
    key0, key1 = fleet.stations[0]["api_key"], fleet.stations[1]["api_key"]
    mine = api.get("/alerts", token=key0).get_json()
    assert [a["station_id"] for a in mine["items"]] == [s0]
    assert api.get(f"/alerts?station_id={s1}", token=key0).status_code == 403
    assert api.get("/alerts", token=fleet.drivers[0]["api_key"]).status_code == 403
    assert api.get("/alerts", token=fleet.devices[0]["api_key"]).status_code == 403
    theirs = next(a for a in everything["items"] if a["station_id"] == s1)
    reply = api.post(f"/alerts/{theirs['id']}/ack", token=key0)
    assert reply.status_code == 403 and reply.content_type == "application/problem+json"
    assert api.get(f"/alerts?status=acknowledged").get_json()["total"] == 0
    ours = mine["items"][0]
    acked = api.post(f"/alerts/{ours['id']}/ack", token=key0)
    assert acked.status_code == 200
    body = acked.get_json()
    assert body["acknowledged_at"].endswith("+08:00") and body["resolved_at"] is None
    assert api.post(f"/alerts/{ours['id']}/ack").get_json()["acknowledged_at"] == body["acknowledged_at"]
    with store.engine.connect() as conn:  # the first acknowledgement is an event (the screens hear of it)
        acks = conn.execute(text("SELECT payload FROM outbox WHERE kind = 'alert_acknowledged'")).scalars().all()
    assert [(a["id"], a["acknowledged_at"]) for a in acks] == [(ours["id"], body["acknowledged_at"])]
    assert [a["id"] for a in api.get("/alerts?status=acknowledged").get_json()["items"]] == [ours["id"]]
    assert [a["id"] for a in api.get("/alerts?status=open").get_json()["items"]] == [theirs["id"]]
    # acknowledged stays open until the condition clears, then it resolves by itself
    evaluate(store, now(), kinds=("station_stock_low",))
    assert api.get("/alerts?status=acknowledged").get_json()["total"] == 1
    api.stock(s0, [{"sku": fleet.products[0]["sku"], "quantity": 30, "on_shelf": True}])
    evaluate(store, now(), kinds=("station_stock_low",))
    resolved = api.get("/alerts?status=resolved").get_json()["items"]
    assert [a["id"] for a in resolved] == [ours["id"]] and resolved[0]["acknowledged_at"] == body["acknowledged_at"]


def test_alert_list_filters_and_unknowns(fleet, api, store):
    low_station(fleet, 0)
    evaluate(store, now(), kinds=("station_stock_low",))
    assert api.get("/alerts?kind=station_stock_low").get_json()["total"] == 1
    assert api.get("/alerts?kind=device_offline").get_json()["total"] == 0
    assert api.get("/alerts?kind=nonsense").status_code == 422
    assert api.get("/alerts?status=closed").status_code == 422
    assert api.post("/alerts/999999/ack").status_code == 404
    assert api.post("/alerts/99999999999/ack").status_code == 404


def business_day(days_ago: int, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    today = datetime.now(tz).date()
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=tz)


def test_restock_suggestions_follow_the_sales_history(fleet, api, store):
    a, b, c = (p["sku"] for p in fleet.products)
    driver, device = fleet.drivers[0], fleet.devices[0]
    for sku, quantity in ((a, 30), (b, 30)):  # c is never loaded
        order = fleet.order(driver, [(fleet.stations[0]["id"], sku, quantity)])
        fleet.pickup(order["orders"][0]["id"])
    # sales: inside the 28 closed days, before them (not counted), and today (not closed: not counted)
    sales = [(1, a, 3), (2, a, 4), (27, a, 2), (28, a, 9), (29, a, 1), (0, a, 5), (3, b, 1), (10, c, 2)]
    noon_or_now = min(12, datetime.now(ZoneInfo("Asia/Shanghai")).hour)  # today's sale is not in the future
    fleet.purchase_batch(device, [(business_day(days, 12 if days else noon_or_now).isoformat(), [(sku, q)])
                                  for days, sku, q in sales])
    # the stations: s0 has none of a left, s2 has a off the shelf; b everywhere
    s0, s1, s2 = (s["id"] for s in fleet.stations)
    api.stock(s0, [{"sku": a, "quantity": 0, "on_shelf": True}])
    api.stock(s2, [{"sku": a, "quantity": 40, "on_shelf": False}])
    extra = [api.station(lat=31.30 + i * 0.01, lng=121.50) for i in range(2)]
    api.stock(extra[0]["id"], [{"sku": a, "quantity": 7, "on_shelf": True}])
    api.stock(extra[1]["id"], [{"sku": a, "quantity": 8, "on_shelf": True},
                               {"sku": b, "quantity": 5, "on_shelf": True}])
    here = (31.23, 121.43)
    fleet.locate(driver, *here)

    reply = api.get(f"/devices/{device['id']}/restock", token=driver["api_key"])
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["device_id"] == device["id"]

    # the computation, from the history above
    target = store.settings.restock_target_days
    stock = {a: 30 - sum(q for _, s, q in sales if s == a), b: 30 - 1, c: -2}
    sold = {sku: sum(q for days, s, q in sales if s == sku and 1 <= days <= 28) for sku in (a, b, c)}
    everywhere = {s["id"]: s for s in fleet.stations + extra}
    shelves = {a: [s1, extra[0]["id"], extra[1]["id"]], b: [s0, s1, s2, extra[1]["id"]], c: [s0, s1, s2]}

    def expected(sku):
        per_day = sold[sku] / 28
        cover = max(stock[sku], 0) / per_day
        nearest = sorted(shelves[sku], key=lambda sid: distance_km(*here, everywhere[sid]["lat"], everywhere[sid]["lng"]))
        return {"sku": sku, "quantity": stock[sku], "units_per_day": round(per_day, 3),
                "days_of_cover": round(cover, 2), "suggested_quantity": max(0, math.ceil(per_day * target) - stock[sku]),
                "stations": nearest[:3]}

    want = sorted((expected(s) for s in (a, b, c)), key=lambda i: i["days_of_cover"])
    got = [{**{k: i[k] for k in ("sku", "quantity", "units_per_day", "days_of_cover", "suggested_quantity")},
            "stations": [s["id"] for s in i["stations"]]} for i in body["items"]]
    assert got == want
    first = body["items"][0]
    assert first["sku"] == c and first["days_of_cover"] == 0 and first["name"] == fleet.products[2]["name"]
    station = first["stations"][0]
    assert station["distance_km"] == pytest.approx(
        distance_km(*here, everywhere[station["id"]]["lat"], everywhere[station["id"]]["lng"]), abs=0.002)
    assert station["quantity"] == 50 and station["name"] == everywhere[station["id"]]["name"]


def test_restock_rights(fleet, api):
    device = fleet.devices[0]
    assert api.get(f"/devices/{device['id']}/restock").status_code == 200
    assert api.get(f"/devices/{device['id']}/restock", token=fleet.drivers[1]["api_key"]).status_code == 403
    assert api.get(f"/devices/{device['id']}/restock", token=fleet.stations[0]["api_key"]).status_code == 403
    assert api.get(f"/devices/{device['id']}/restock", token=device["api_key"]).status_code == 403
    assert api.get("/devices/999999/restock").status_code == 404
    assert api.get(f"/devices/{device['id']}/restock").get_json()["items"] == []
