"""API.md "Catalogue and accounts": success, field rules, conflicts, unknown ids."""
import pytest
from sqlalchemy import select

from store.models import ApiKey
from store.tokens import hash_token


def problem(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def test_station_created_and_listed(api):
    created = api.station(name="人民广场 People's Square", address="黄浦区西藏中路 268 号", lat=31.2323, lng=121.4737)
    assert created["api_key"].startswith("bfs_")
    assert {k: created[k] for k in ("name", "address", "lat", "lng")} == {
        "name": "人民广场 People's Square", "address": "黄浦区西藏中路 268 号", "lat": 31.2323, "lng": 121.4737}
    listed = api.get("/stations").get_json()["items"]
    assert listed == [{k: created[k] for k in ("id", "name", "address", "lat", "lng")}]


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "x" * 101), ("address", ""), ("address", "x" * 201),
    ("lat", 90.5), ("lat", -91), ("lng", 180.1), ("lng", "east"),
])
def test_station_field_rules(api, field, value):
    body = {"name": "S", "address": "A", "lat": 31.2, "lng": 121.4, field: value}
    problem(api.post("/stations", body), 422, field)


def test_station_missing_field_named(api):
    problem(api.post("/stations", {"name": "S", "address": "A", "lat": 31.2}), 422, "lng")


def test_product_created(api):
    body = {"sku": "COLA-330", "name": "Cola", "category": "drinks", "retail_price_cents": 350, "supply_price_cents": 210}
    created = api.post("/products", body)
    assert created.status_code == 201
    assert created.get_json() == {"id": created.get_json()["id"], **body}


@pytest.mark.parametrize("field,value", [
    ("sku", ""), ("sku", "has space"), ("sku", "x" * 65), ("name", ""), ("retail_price_cents", 0),
    ("retail_price_cents", 3.5), ("retail_price_cents", "350"), ("supply_price_cents", -1),
])
def test_product_field_rules(api, field, value):
    body = {"sku": "OK-1", "name": "N", "retail_price_cents": 350, "supply_price_cents": 210, field: value}
    problem(api.post("/products", body), 422, field)


def test_duplicate_sku_is_409(api):
    api.product(sku="DUP-1")
    problem(api.post("/products", {"sku": "DUP-1", "name": "Again", "retail_price_cents": 1,
                                   "supply_price_cents": 1}), 409, "sku")


def test_station_stock_set_and_returned_whole(api):
    station = api.station()
    a, b = api.product(sku="A-1"), api.product(sku="B-1")
    first = api.stock(station["id"], [{"sku": "A-1", "quantity": 10, "on_shelf": True}])
    assert first == {"items": [{"sku": "A-1", "quantity": 10, "on_shelf": True}]}
    second = api.stock(station["id"], [{"sku": "B-1", "quantity": 0, "on_shelf": False},
                                       {"sku": "A-1", "quantity": 7, "on_shelf": True}])
    assert second == {"items": [{"sku": "A-1", "quantity": 7, "on_shelf": True},
                                {"sku": "B-1", "quantity": 0, "on_shelf": False}]}


def test_station_stock_rules(api):
    station = api.station()
    api.product(sku="A-2")
    problem(api.put(f"/stations/{station['id']}/stock", {"items": [{"sku": "NOPE", "quantity": 1, "on_shelf": True}]}),
            422, "items[0].sku")
    problem(api.put(f"/stations/{station['id']}/stock", {"items": [{"sku": "A-2", "quantity": -1, "on_shelf": True}]}),
            422, "items[0].quantity")
    problem(api.put(f"/stations/{station['id']}/stock", {"items": []}), 422, "items")
    problem(api.put("/stations/999999/stock", {"items": [{"sku": "A-2", "quantity": 1, "on_shelf": True}]}), 404)


def test_driver_and_device(api):
    driver = api.driver(name="王师傅", car_plate="沪A·D8231", phone="13800138000")
    assert driver["api_key"].startswith("bfd_") and driver["phone"] == "13800138000"
    device = api.post("/devices", {"serial": "BF-1", "driver_id": driver["id"]})
    assert device.status_code == 201
    body = device.get_json()
    assert body["activated"] is False and body["driver_id"] == driver["id"] and body["api_key"].startswith("bfv_")
    problem(api.post("/devices", {"serial": "BF-1", "driver_id": driver["id"]}), 409, "serial")
    problem(api.post("/devices", {"serial": "BF-2", "driver_id": 424242}), 404, "driver_id")
    problem(api.post("/drivers", {"name": "x", "car_plate": "y" * 21}), 422, "car_plate")


def test_ads(api):
    ok = api.post("/ads", {"title": "T", "advertiser": "A", "expected_plays": 100, "price_per_play_cents": 5,
                           "starts_at": "2026-11-01T00:00:00+08:00"})
    assert ok.status_code == 201 and ok.get_json()["starts_at"] == "2026-11-01T00:00:00+08:00"
    problem(api.post("/ads", {"title": "T", "advertiser": "A", "expected_plays": 0, "price_per_play_cents": 5,
                              "starts_at": "2026-11-01T00:00:00+08:00"}), 422, "expected_plays")
    problem(api.post("/ads", {"title": "T", "advertiser": "A", "expected_plays": 1, "price_per_play_cents": 5,
                              "starts_at": "2026-11-01T00:00:00"}), 422, "starts_at")
    problem(api.post("/ads", {"title": "T", "advertiser": "A", "expected_plays": 1, "price_per_play_cents": 5,
                              "starts_at": "2026-11-02T00:00:00+08:00", "ends_at": "2026-11-01T00:00:00+08:00"}),
            422, "ends_at")


def test_users(api):
    station = api.station()
    made = api.post("/users", {"username": "mgr", "password": "correct horse", "role": "station_manager",
                               "station_id": station["id"]})
    assert made.status_code == 201
    assert made.get_json() == {"id": made.get_json()["id"], "username": "mgr", "role": "station_manager",
                               "station_id": station["id"]}
    problem(api.post("/users", {"username": "mgr", "password": "another one", "role": "admin"}), 409, "username")
    problem(api.post("/users", {"username": "m2", "password": "short", "role": "admin"}), 422, "password")
    problem(api.post("/users", {"username": "m3", "password": "long enough", "role": "station_manager"}),
            422, "station_id")
    problem(api.post("/users", {"username": "m4", "password": "long enough", "role": "root"}), 422, "role")


def test_screens_create_and_revoke(api):
    station = api.station()
    made = api.post("/screens", {"label": "Wall", "station_id": station["id"]}).get_json()
    assert made["url"] == f"/screen/k/{made['token']}"
    assert api.delete(f"/screens/{made['id']}").status_code == 204
    problem(api.delete(f"/screens/{made['id']}"), 404)
    problem(api.post("/screens", {"label": "Wall", "station_id": 999999}), 404, "station_id")


def test_api_keys_are_stored_only_as_hashes(api, store):
    station = api.station()
    driver = api.driver()
    with store.sessions() as session:
        hashes = set(session.scalars(select(ApiKey.key_hash)))
    for token in (station["api_key"], driver["api_key"]):
        assert token not in hashes and hash_token(token) in hashes


def test_malformed_and_wrong_content_type(api, client):
    from tests.helpers import auth, ADMIN_TOKEN

    bad = client.post("/api/v1/stations", data="{not json", headers={**auth(ADMIN_TOKEN), "Content-Type": "application/json"})
    problem(bad, 400)
    form = client.post("/api/v1/stations", data="name=x", headers={**auth(ADMIN_TOKEN),
                                                                      "Content-Type": "application/x-www-form-urlencoded"})
    problem(form, 415)
    problem(api.post("/stations", [1, 2]), 422, "body")


def test_unknown_path_is_problem_404(api):
    problem(api.get("/no-such-thing"), 404)
