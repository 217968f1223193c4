"""Nearby stations, the map of drivers awaiting pickup, product search, active drivers, devices."""
from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.queries.places import distance_km
from tests.analytics.traffic import ago, build_fleet


@pytest.fixture
def fleet(api):
    return build_fleet(api, stations=3, products=4, drivers=3)


def test_nearby_stations_nearest_first_within_the_radius(fleet, api):
    s = fleet.stations  # at (31.20, 121.40), (31.22, 121.42), (31.24, 121.44)
    body = fleet.get("/stations/nearby", lat=31.241, lng=121.441, radius_km=10, token=fleet.drivers[0]["api_key"])
    assert [x["id"] for x in body["stations"]] == [s[2]["id"], s[1]["id"], s[0]["id"]]
    first = body["stations"][0]
    assert first["name"] == s[2]["name"] and first["address"] == s[2]["address"]
    assert first["distance_km"] == pytest.approx(distance_km(31.241, 121.441, 31.24, 121.44), abs=0.002)
    assert round(first["distance_km"], 3) == first["distance_km"]
    assert [x["id"] for x in fleet.get("/stations/nearby", lat=31.241, lng=121.441, radius_km=5)["stations"]] == [
        s[2]["id"], s[1]["id"]]
    assert len(fleet.get("/stations/nearby", lat=31.241, lng=121.441, limit=1)["stations"]) == 1
    assert fleet.get("/stations/nearby", lat=40.0, lng=116.4, radius_km=500)["stations"] == []


def test_nearby_with_sku_keeps_stations_that_have_it_on_the_shelf_and_in_stock(fleet, api):
    s0, s1, s2 = (s["id"] for s in fleet.stations)
    sku = fleet.products[0]["sku"]
    api.stock(s1, [{"sku": sku, "quantity": 0, "on_shelf": True}])
    api.stock(s2, [{"sku": sku, "quantity": 9, "on_shelf": False}])
    body = fleet.get("/stations/nearby", lat=31.241, lng=121.441, radius_km=10, sku=sku)
    assert [x["id"] for x in body["stations"]] == [s0]
    # a reservation that takes the last units removes the station too
    fleet.order(fleet.drivers[0], [(s0, sku, 100_000)])
    assert fleet.get("/stations/nearby", lat=31.241, lng=121.441, radius_km=10, sku=sku)["stations"] == []


def test_screen_drivers_lists_drivers_awaiting_pickup_with_their_position_and_distance(fleet, api, store):
    s0, s1 = fleet.stations[0]["id"], fleet.stations[1]["id"]
    d0, d1, d2 = fleet.drivers
    sku = fleet.products[0]["sku"]
    first = fleet.order(d0, [(s0, sku, 1), (s1, sku, 1)])
    fleet.order(d0, [(s0, sku, 2)])
    fleet.order(d1, [(s1, sku, 1)])
    done = fleet.order(d2, [(s0, sku, 1)])
    fleet.pickup(done["orders"][0]["id"])
    fleet.locate(d0, 31.25, 121.45, ago(minutes=2))
    fleet.locate(d0, 31.99, 121.99, ago(minutes=30))  # an older point arriving late does not move the car back

    every = fleet.get("/screen/drivers")
    assert every["type"] == "FeatureCollection"
    assert [f["properties"]["driver_id"] for f in every["features"]] == [d0["id"], d1["id"]]
    f0, f1 = every["features"]
    assert f0["geometry"]["type"] == "Point"
    assert f0["geometry"]["coordinates"] == pytest.approx([121.45, 31.25], abs=1e-5)
    assert f0["properties"]["pending_orders"] == 3 and f0["properties"]["station_ids"] == [s0, s1]
    assert f0["properties"]["name"] == d0["name"] and f0["properties"]["car_plate"] == d0["car_plate"]
    assert f0["properties"]["distance_km"] is None
    assert f0["properties"]["last_seen_at"].endswith("+08:00")
    assert f0["properties"]["oldest_pending_since"] == first["orders"][0]["created_at"]
    assert f1["geometry"] is None and f1["properties"]["last_seen_at"] is None

    at_s0 = fleet.get("/screen/drivers", station_id=s0, token=fleet.stations[0]["api_key"])
    (only,) = at_s0["features"]
    assert only["properties"]["pending_orders"] == 2 and only["properties"]["station_ids"] == [s0, s1]
    assert only["properties"]["distance_km"] == pytest.approx(distance_km(31.20, 121.40, 31.25, 121.45), abs=0.002)
    assert set(only["properties"]) == {"driver_id", "name", "car_plate", "pending_orders", "oldest_pending_since",
                                       "station_ids", "last_seen_at", "distance_km"}



def test_screen_drivers_at_a_station_count_its_own_orders_and_survive_a_rebuild(fleet, store):
    """The oldest order at the station, not the driver's oldest anywhere; positions come back after
    Redis is emptied and rebuilt from Postgres."""
    from analytics.rebuild import rebuild

    s0, s1 = fleet.stations[0]["id"], fleet.stations[1]["id"]
    d0 = fleet.drivers[0]
    sku = fleet.products[0]["sku"]
    elsewhere = fleet.order(d0, [(s1, sku, 1)])  # the driver's oldest, at the other station
    here = fleet.order(d0, [(s0, sku, 1)])
    fleet.locate(d0, 31.25, 121.45, ago(minutes=1))
    at_s0 = fleet.get("/screen/drivers", station_id=s0)
    (only,) = at_s0["features"]
    assert only["geometry"]["coordinates"] == pytest.approx([121.45, 31.25], abs=1e-5)
    assert only["properties"]["pending_orders"] == 1 and only["properties"]["station_ids"] == [s0, s1]
    assert only["properties"]["oldest_pending_since"] == here["orders"][0]["created_at"]
    every = fleet.get("/screen/drivers")
    assert every["features"][0]["properties"]["oldest_pending_since"] == elsewhere["orders"][0]["created_at"]

    store.redis.flushdb()
    rebuild(store)
    assert fleet.get("/screen/drivers") == every
    assert fleet.get("/screen/drivers", station_id=s0) == at_s0

def test_product_search_by_name_or_sku_prefix_in_name_order(api):
    api.product(sku="ZZ-1", name="apple juice")
    api.product(sku="TEA-1", name="Green tea")
    api.product(sku="APX-9", name="Banana chips")
    api.product(sku="ab-2", name="Apple pie")
    driver = api.driver()
    response = api.get("/products/search?prefix=aP&limit=10", token=driver["api_key"])
    assert response.status_code == 200
    assert [p["name"] for p in response.get_json()["items"]] == ["apple juice", "Apple pie", "Banana chips"]
    item = response.get_json()["items"][0]
    assert item["sku"] == "ZZ-1" and item["retail_price_cents"] == 500 and isinstance(item["id"], int)
    assert [p["sku"] for p in api.get("/products/search?prefix=apple&limit=1").get_json()["items"]] == ["ZZ-1"]
    assert api.get("/products/search?prefix=grape").get_json()["items"] == []


def test_active_drivers_per_day_week_and_month(fleet, store):
    for driver in fleet.drivers[:2]:
        response = fleet.api.post("/drivers/me/checkin", token=driver["api_key"])
        assert response.status_code == 200
    assert fleet.get("/drivers/active", period="day")["active_drivers"] == 2
    week = fleet.get("/drivers/active", period="week")
    assert week["active_drivers"] == 2 and "-W" in week["period_key"]
    assert fleet.get("/drivers/active", period="month")["active_drivers"] == 2
    from analytics.queries import driver_streak
    assert driver_streak(store, fleet.drivers[0]["id"])["streak_days"] == 1
    assert driver_streak(store, fleet.drivers[2]["id"])["streak_days"] == 0


def test_devices_page_shows_online_today_sales_and_stock_alerts(fleet, api, store):
    d0, d1 = fleet.devices[0], fleet.devices[1]
    sku0, sku1 = fleet.products[0]["sku"], fleet.products[1]["sku"]
    order = fleet.order(fleet.drivers[0], [(fleet.stations[0]["id"], sku0, 20), (fleet.stations[0]["id"], sku1, 6)])
    fleet.pickup(order["orders"][0]["id"])
    fleet.purchase(d0, [(sku0, 3), (sku1, 2)])  # 20-3 = 17 left; 6-2 = 4 left: an alert
    fleet.purchase(d0, [(sku0, 1)], occurred_at=ago(days=2))  # not today
    page = fleet.get("/devices", page=1, per_page=2)
    assert page["page"] == 1 and page["per_page"] == 2 and page["total"] == 3
    first = page["items"][0]
    assert first["id"] == d0["id"] and first["serial"] == d0["serial"] and first["driver_id"] == fleet.drivers[0]["id"]
    assert first["driver_name"] == fleet.drivers[0]["name"] and first["car_plate"] == fleet.drivers[0]["car_plate"]
    assert first["online"] is True and first["last_seen_at"].endswith("+08:00")
    assert first["today_sales_cents"] == 3 * 150 + 2 * 187
    assert first["stock_alerts"] == [{"sku": sku1, "quantity": 4}]
    second = page["items"][1]
    assert second["id"] == d1["id"] and second["online"] is False and second["activated"] is False
    assert second["today_sales_cents"] == 0 and second["stock_alerts"] == []
    assert [d["id"] for d in fleet.get("/devices", page=2, per_page=2)["items"]] == [fleet.devices[2]["id"]]
