"""GET /orders, GET /devices/{id}/stock, GET /accounts/{owner}/balance: contents and rights."""
from datetime import timedelta

import pytest

from tests.ingest.world import ADMIN, business_day, problem, stamp, world  # noqa: F401


@pytest.fixture
def placed(world):
    """Three orders (two stations, two drivers; one cancelled, one picked up) and three purchases."""
    s1, s2 = world.station["id"], world.other_station["id"]
    a = world.placed([{"station_id": s1, "sku": "COLA-330", "quantity": 2}])["orders"][0]
    b = world.placed([{"station_id": s2, "sku": "COLA-330", "quantity": 3}])["orders"][0]
    c = world.placed([{"station_id": s1, "sku": "CHIPS-70", "quantity": 1}], token=world.other_driver["api_key"])
    c = c["orders"][0]
    assert world.api.post(f"/replenishments/{a['id']}/pickup").status_code == 200
    assert world.api.post(f"/replenishments/{b['id']}/cancel").status_code == 200
    world.purchase(occurred_at=stamp(timedelta(days=-2)))
    world.purchase([{"sku": "CHIPS-70", "quantity": 1}])
    world.purchase(token=world.other_device["api_key"])
    return {"a": a, "b": b, "c": c}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [o["id"] for o in response.get_json()["items"]]


def test_orders_newest_first_with_filters(world, placed):
    api, a, b, c = world.api, placed["a"], placed["b"], placed["c"]
    page = api.get("/orders").get_json()
    assert (page["page"], page["per_page"], page["total"]) == (1, 30, 3)
    assert [o["id"] for o in page["items"]] == [c["id"], b["id"], a["id"]]
    assert page["items"][2]["status"] == "picked_up" and page["items"][2]["device_id"] == world.device["id"]
    assert page["items"][0]["items"] == c["items"] and page["items"][0]["total_cents"] == 500
    assert ids(api.get("/orders?status=cancelled")) == [b["id"]]
    assert ids(api.get(f"/orders?station_id={world.station['id']}")) == [c["id"], a["id"]]
    assert ids(api.get(f"/orders?driver_id={world.driver['id']}")) == [b["id"], a["id"]]
    assert ids(api.get(f"/orders?device_id={world.device['id']}")) == [a["id"]]
    assert ids(api.get("/orders?per_page=2&page=2")) == [a["id"]]
    assert ids(api.get(f"/orders?from={business_day(timedelta(days=1))}")) == []
    assert len(ids(api.get(f"/orders?from={business_day()}&to={business_day(timedelta(days=1))}"))) == 3


def test_retail_orders_are_the_purchases(world, placed):
    page = world.api.get("/orders?kind=retail").get_json()
    assert page["total"] == 3
    assert [p["total_cents"] for p in page["items"]] == [700, 800, 700]
    assert page["items"][1]["items"] == [{"sku": "CHIPS-70", "quantity": 1, "unit_price_cents": 800,
                                          "amount_cents": 800}]
    assert page["items"][2]["occurred_at"] < page["items"][1]["occurred_at"]  # two days ago: last
    mine = world.api.get("/orders?kind=retail", token=world.driver["api_key"]).get_json()
    assert mine["total"] == 2 and {p["driver_id"] for p in mine["items"]} == {world.driver["id"]}
    assert world.api.get(f"/orders?kind=retail&device_id={world.other_device['id']}").get_json()["total"] == 1


@pytest.mark.parametrize("query,field", [
    ("kind=all", "kind"), ("status=lost", "status"), ("kind=retail&status=cancelled", "status"),
    ("kind=retail&station_id=1", "station_id"), ("per_page=201", "per_page"), ("page=0", "page"),
    ("from=2026-11-28T10:00:00", "from"), ("station_id=x", "station_id"),
])
def test_order_query_rules(world, query, field):
    problem(world.api.get(f"/orders?{query}"), 422, field)


def test_order_rights(world, placed):
    api = world.api
    station = api.get("/orders", token=world.station["api_key"]).get_json()
    assert {o["station_id"] for o in station["items"]} == {world.station["id"]} and station["total"] == 2
    problem(api.get(f"/orders?station_id={world.other_station['id']}", token=world.station["api_key"]), 403)
    problem(api.get("/orders?kind=retail", token=world.station["api_key"]), 403)
    driver = api.get("/orders", token=world.driver["api_key"]).get_json()
    assert {o["driver_id"] for o in driver["items"]} == {world.driver["id"]} and driver["total"] == 2
    problem(api.get(f"/orders?driver_id={world.other_driver['id']}", token=world.driver["api_key"]), 403)
    problem(api.get("/orders", token=world.device["api_key"]), 403)
    problem(api.get("/orders", token=None), 401)


def test_device_stock_for_admin_and_its_driver(world, placed):
    path = f"/devices/{world.device['id']}/stock"
    expected = {"items": [{"sku": "CHIPS-70", "quantity": -1}, {"sku": "COLA-330", "quantity": 0}]}
    assert world.api.get(path).get_json() == expected  # 2 colas picked up, 2 sold; 1 chips sold
    assert world.api.get(path, token=world.driver["api_key"]).get_json() == expected
    for token in (world.other_driver["api_key"], world.station["api_key"], world.device["api_key"]):
        problem(world.api.get(path, token=token), 403)
    problem(world.api.get("/devices/99999/stock"), 404)


def test_balances_follow_the_ledger(world, placed):
    api, d1, s1 = world.api, world.driver["id"], world.station["id"]
    # driver 1: +700 +800 from sales, -420 for order a, -630 +630 for order b (cancelled)
    assert api.get(f"/accounts/driver:{d1}/balance").get_json() == {
        "owner": f"driver:{d1}", "balance_cents": 1080, "in_cents": 2130, "out_cents": 1050}
    assert api.get(f"/accounts/station:{s1}/balance", token=world.station["api_key"]).get_json() == {
        "owner": f"station:{s1}", "balance_cents": 920, "in_cents": 920, "out_cents": 0}
    assert api.get(f"/accounts/driver:{d1}/balance", token=world.driver["api_key"]).status_code == 200
    problem(api.get(f"/accounts/driver:{world.other_driver['id']}/balance", token=world.driver["api_key"]), 403)
    problem(api.get(f"/accounts/station:{world.other_station['id']}/balance", token=world.station["api_key"]), 403)
    problem(api.get(f"/accounts/driver:{d1}/balance", token=world.station["api_key"]), 403)
    problem(api.get(f"/accounts/driver:{d1}/balance", token=world.device["api_key"]), 403)
    problem(api.get("/accounts/passengers/balance"), 404)
    problem(api.get("/accounts/driver:abc/balance"), 404)
    problem(api.get("/accounts/driver:99999/balance"), 404)
