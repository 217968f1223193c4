"""API.md "Strict input": the defects of issue 14, each as a user would see it — a clear 4xx
problem+json naming the field, never a 500, and no good sale lost with a bad one."""
import time
from datetime import timedelta

import pytest

from tests.helpers import ADMIN_TOKEN
from tests.ingest.world import key, problem, scalar, stamp, world  # noqa: F401

TOO_BIG = 2**31  # one past the largest id (Postgres integer)


# ids --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", [
    ("GET", "/devices/{n}/stock"), ("PUT", "/stations/{n}/stock"), ("DELETE", "/screens/{n}")])
@pytest.mark.parametrize("n", [TOO_BIG, 0, 10**30])
def test_path_ids_outside_the_id_range_are_404(api, method, path, n):
    body = {"items": [{"sku": "A", "quantity": 1, "on_shelf": True}]} if method == "PUT" else None
    problem(api.request(method, path.format(n=n), json=body), 404)


def test_a_driver_token_with_a_huge_device_id_gets_404(world):
    problem(world.api.get(f"/devices/{TOO_BIG}/stock", token=world.driver["api_key"]), 404)


@pytest.mark.parametrize("query, field", [
    (f"/orders?device_id={TOO_BIG}", "device_id"), ("/orders?driver_id=0", "driver_id"),
    (f"/screen/drivers?station_id={TOO_BIG}", "station_id"),
    (f"/rankings/products?station_id={TOO_BIG}", "station_id"),
    (f"/reports/sales.csv?from=2026-01-01&to=2026-01-02&station_id={TOO_BIG}", "station_id"),
    ("/orders?device_id=1e3", "device_id"), ("/orders?device_id=%2B12", "device_id")])
def test_query_ids_outside_the_id_range_are_422(api, query, field):
    problem(api.get(query), 422, field)


def test_an_account_number_in_other_digits_is_404(api):
    problem(api.get("/accounts/driver:\u00b2/balance"), 404)  # "²".isdigit(), but not a number


# NUL in text ------------------------------------------------------------------------------------
NUL = "bad\u0000name"


@pytest.mark.parametrize("path, body, field", [
    ("/stations", {"name": NUL, "address": "1 Road", "lat": 31.2, "lng": 121.4}, "name"),
    ("/stations", {"name": "S", "address": NUL, "lat": 31.2, "lng": 121.4}, "address"),
    ("/products", {"sku": "NUL-1", "name": NUL, "retail_price_cents": 5, "supply_price_cents": 3}, "name"),
    ("/products", {"sku": "NUL-2", "name": "P", "category": NUL, "retail_price_cents": 5,
                   "supply_price_cents": 3}, "category"),
    ("/drivers", {"name": NUL, "car_plate": "A1"}, "name"),
    ("/drivers", {"name": "D", "car_plate": NUL}, "car_plate"),
    ("/ads", {"title": NUL, "advertiser": "X", "expected_plays": 1, "price_per_play_cents": 1,
              "starts_at": "2026-01-01T00:00:00+08:00"}, "title"),
    ("/screens", {"label": NUL}, "label"),
    ("/users", {"username": "nul-user", "password": "pass\u0000word1", "role": "admin"}, "password"),
])
def test_nul_in_catalogue_text_is_422_naming_the_field(api, path, body, field):
    problem(api.post(path, body), 422, field)


def test_nul_in_a_device_serial_is_422(api):
    driver = api.driver()
    problem(api.post("/devices", {"serial": NUL, "driver_id": driver["id"]}), 422, "serial")


def test_nul_in_ingest_text_is_422(world, store):
    problem(world.purchase(payment={"method": "alipay", "reference": NUL}), 422, "payment.reference")
    order = world.order([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 1}], note=NUL)
    problem(order, 422, "note")
    assert scalar(store, "SELECT count(*) FROM purchases") == 0
    assert scalar(store, "SELECT count(*) FROM orders") == 0


def test_nul_in_an_order_id_in_the_path_is_404(world):
    problem(world.api.post("/replenishments/ord_%00x/pickup", token=ADMIN_TOKEN), 404)
    problem(world.api.post("/replenishments/ord_%00x/cancel", token=world.driver["api_key"]), 404)


def test_nul_in_a_query_text_is_422(api):
    problem(api.get("/products/search?prefix=a%00b"), 422, "prefix")


def test_a_batch_entry_with_nul_fails_alone_and_the_good_ones_are_stored(world, store):
    good = [{"idempotency_key": f"good-{n}", "occurred_at": stamp(timedelta(minutes=-n)),
             "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}} for n in range(3)]
    bad = {**good[0], "idempotency_key": "bad", "payment": {"method": "alipay", "reference": NUL}}
    reply = world.api.post("/purchases/batch", {"purchases": [good[0], bad, good[1], good[2]]},
                           token=world.device["api_key"])
    assert reply.status_code == 200, reply.get_data(as_text=True)
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201, 201]
    assert results[1]["errors"][0]["field"] == "purchases[1].payment.reference"
    assert scalar(store, "SELECT count(*) FROM purchases") == 3


# JSON types are taken as sent ---------------------------------------------------------------------
def test_a_number_is_no_timestamp(world, store):
    now = int(time.time()) - 60  # a minute ago: inside the late window, so only its type is wrong
    problem(world.purchase(occurred_at=now), 422, "occurred_at")
    problem(world.purchase(occurred_at=str(now)), 422, "occurred_at")
    assert scalar(store, "SELECT count(*) FROM purchases") == 0


@pytest.mark.parametrize("lat, lng, fields", [(True, "121.5", {"lat", "lng"}), ("31.2", 121.5, {"lat"}),
                                              (31.2, False, {"lng"})])
def test_coordinates_are_numbers_only(world, lat, lng, fields):
    reply = world.api.post("/devices/me/heartbeat", {"lat": lat, "lng": lng}, token=world.device["api_key"])
    assert fields <= {e["field"] for e in problem(reply, 422)["errors"]}
    reply = world.api.post("/stations", {"name": "S", "address": "A", "lat": lat, "lng": lng})
    assert fields <= {e["field"] for e in problem(reply, 422)["errors"]}


@pytest.mark.parametrize("body, field", [
    ({"name": 5, "address": "A", "lat": 1.0, "lng": 1.0}, "name"),
    ({"name": "S", "address": ["A"], "lat": 1.0, "lng": 1.0}, "address")])
def test_a_number_or_list_is_no_string(api, body, field):
    problem(api.post("/stations", body), 422, field)


def test_a_boolean_is_no_quantity(world):
    problem(world.purchase([{"sku": "COLA-330", "quantity": True}]), 422, "items[0].quantity")


# JSON itself --------------------------------------------------------------------------------------
def _raw(api, path, text, token=ADMIN_TOKEN, **headers):
    return api.client.post("/api/v1" + path, data=text, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}", **headers})


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_nesting_deeper_than_32_is_400(api, depth):
    problem(_raw(api, "/stations", "[" * depth + "]" * depth), 400)
    problem(_raw(api, "/stations", '{"name":' + "[" * depth + "]" * depth + "}"), 400)


def test_nesting_of_32_is_still_json(api):
    nested = '{"a":' * 31 + "1" + "}" * 31  # 31 objects in the body object: 32 levels
    reply = _raw(api, "/stations", nested[:-1] + ', "name": "S", "address": "A", "lat": 1.5, "lng": 2.5}')
    assert reply.status_code == 201, reply.get_data(as_text=True)


@pytest.mark.parametrize("text", [
    '{"name": "S", "name": "T", "address": "A", "lat": 1.5, "lng": 2.5}',
    '{"name": "S", "address": "A", "lat": 1.5, "lng": 2.5, "x": {"a": 1, "a": 1}}'])
def test_a_duplicate_key_is_400(api, store, text):
    problem(_raw(api, "/stations", text), 400)
    assert scalar(store, "SELECT count(*) FROM stations") == 0


@pytest.mark.parametrize("text", ['{"lat": NaN, "lng": 1}', '{"lat": Infinity, "lng": 1}', '{"lat": 1, } '])
def test_what_is_not_json_is_400(world, text):
    problem(_raw(world.api, "/devices/me/heartbeat", text, token=world.device["api_key"]), 400)


def test_an_integer_beyond_64_bits_is_a_field_rule(world):
    problem(_raw(world.api, "/devices/me/heartbeat", '{"lat": 1' + "0" * 30 + ', "lng": 1}',
                 token=world.device["api_key"]), 422, "lat")


# dates at the edges of the calendar ---------------------------------------------------------------
@pytest.mark.parametrize("query, field", [
    ("/orders?to=9999-12-31", "to"), ("/orders?from=0001-01-01", "from"),
    ("/orders?to=9999-12-31T23:59:59-12:00", "to"),
    ("/drivers/active?period=week&date=9999-12-31", "date"),
    ("/drivers/active?period=month&date=0001-01-01", "date"),
    ("/series/daily?end=0001-01-01", "end"), ("/rankings/products?period=week&date=9999-12-31", "date"),
    ("/reports/sales.csv?from=9999-12-31&to=9999-12-31", "from"),
    ("/reports/orders.csv?from=9999-12-31&to=9999-12-31", "to")])
def test_dates_the_calendar_cannot_hold_are_422(api, query, field):
    problem(api.get(query), 422, field)


@pytest.mark.parametrize("query", [
    "/orders?from=1970-01-01&to=2999-12-31", "/drivers/active?period=week&date=2999-12-31",
    "/series/daily?end=1970-01-01&days=366", "/reports/sales.csv?from=2999-12-31&to=2999-12-31"])
def test_dates_inside_the_calendar_are_answered(api, query):
    assert api.get(query).status_code == 200


def test_a_time_that_shifts_out_of_the_calendar_is_422(api):
    reply = api.post("/ads", {"title": "T", "advertiser": "A", "expected_plays": 1, "price_per_play_cents": 1,
                              "starts_at": "2026-01-01T00:00:00Z", "ends_at": "9999-12-31T23:59:59-12:00"})
    problem(reply, 422, "ends_at")


# latitudes ----------------------------------------------------------------------------------------
def test_latitudes_are_the_web_mercator_band_everywhere(world):
    problem(world.api.post("/stations", {"name": "Pole", "address": "N", "lat": 89.5, "lng": 0.0}), 422, "lat")
    reply = world.api.post("/devices/me/heartbeat", {"lat": -85.06, "lng": 0.0}, token=world.device["api_key"])
    problem(reply, 422, "lat")
    edge = world.api.station(lat=85.05112878, lng=10.0)  # the band's edge is in it: stored, and on the map
    near = world.api.get("/stations/nearby?lat=85.05112878&lng=10.0&radius_km=1")
    assert near.status_code == 200 and [s["id"] for s in near.get_json()["stations"]] == [edge["id"]]


# who owns what ------------------------------------------------------------------------------------
def test_a_driver_asking_for_another_drivers_device_is_403(world):
    problem(world.api.get(f"/orders?kind=retail&device_id={world.other_device['id']}",
                          token=world.driver["api_key"]), 403)
    own = world.api.get(f"/orders?kind=retail&device_id={world.device['id']}", token=world.driver["api_key"])
    assert own.status_code == 200


def test_a_device_token_may_not_read_balances_and_the_document_says_so(world, client):
    problem(world.api.get(f"/accounts/driver:{world.driver['id']}/balance", token=world.device["api_key"]), 403)
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/accounts/{owner}/balance"]["get"]
    assert "device" not in str(operation["security"])
