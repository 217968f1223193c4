"""The auth matrix of the catalogue endpoints: 401 without a known token, 403 for the wrong kind."""
import pytest

CATALOGUE = [
    ("POST", "/stations", {"name": "S", "address": "A", "lat": 31.2, "lng": 121.4}, 201),
    ("POST", "/products", {"sku": "P-{n}", "name": "P", "retail_price_cents": 2, "supply_price_cents": 1}, 201),
    ("PUT", "/stations/{station}/stock", {"items": [{"sku": "BASE", "quantity": 1, "on_shelf": True}]}, 200),
    ("POST", "/drivers", {"name": "D", "car_plate": "沪A"}, 201),
    ("POST", "/devices", {"serial": "S-{n}", "driver_id": "{driver}"}, 201),
    ("POST", "/ads", {"title": "T", "advertiser": "A", "expected_plays": 1, "price_per_play_cents": 1,
                      "starts_at": "2026-11-01T00:00:00+08:00"}, 201),
    ("POST", "/users", {"username": "user{n}", "password": "password1", "role": "admin"}, 201),
    ("POST", "/screens", {"label": "L", "station_id": None}, 201),
]


@pytest.fixture
def world(api):
    station = api.station()
    api.product(sku="BASE")
    driver = api.driver()
    device = api.device(driver["id"])
    return {"station": station, "driver": driver, "device": device}


def _fill(value, world, n):
    if isinstance(value, dict):
        return {k: _fill(v, world, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world, n) for v in value]
    if value == "{driver}":
        return world["driver"]["id"]
    if isinstance(value, str):
        return value.replace("{n}", str(n)).replace("{station}", str(world["station"]["id"]))
    return value


@pytest.mark.parametrize("method,path,body,ok", CATALOGUE, ids=[f"{m} {p}" for m, p, _, _ in CATALOGUE])
def test_catalogue_matrix(api, world, method, path, body, ok):
    path = _fill(path, world, 0)
    for n, (token, expected) in enumerate([
        (None, 401), ("not-a-token", 401),
        (world["station"]["api_key"], 403), (world["driver"]["api_key"], 403), (world["device"]["api_key"], 403),
        ("test-admin-token-0123456789", ok),
    ]):
        response = api.request(method, path, json=_fill(body, world, n), token=token)
        assert response.status_code == expected, (token, response.get_json())
        if expected == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"


def test_delete_screen_only_admin(api, world):
    screen = api.post("/screens", {"label": "L"}).get_json()
    for token in (world["station"]["api_key"], world["driver"]["api_key"], world["device"]["api_key"]):
        assert api.delete(f"/screens/{screen['id']}", token=token).status_code == 403
    assert api.delete(f"/screens/{screen['id']}", token=None).status_code == 401


def test_station_list_for_every_token(api, world):
    for token in (world["station"]["api_key"], world["driver"]["api_key"], world["device"]["api_key"]):
        assert api.get("/stations", token=token).status_code == 200
    assert api.get("/stations", token=None).status_code == 401


def test_bearer_scheme_required(api, world, client):
    response = client.get("/api/v1/stations", headers={"Authorization": world["station"]["api_key"]})
    assert response.status_code == 401
