"""Every query parameter is checked (422 naming it) and no token reads what it does not own (403)."""
from __future__ import annotations

import pytest

from tests.analytics.traffic import build_fleet


def problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    if field is not None:
        assert field in [e["field"] for e in body.get("errors") or []], body
    return body


BAD = [
    ("/stats/summary?scope=galaxy", "scope"),
    ("/stats/summary?scope=station:0", "scope"),
    ("/stats/summary?scope=station:x", "scope"),
    ("/stats/summary?kind=both", "kind"),
    ("/series/daily?days=0", "days"),
    ("/series/daily?days=367", "days"),
    ("/series/daily?days=seven", "days"),
    ("/series/daily?end=2026-13-01", "end"),
    ("/series/daily?end=1700000000", "end"),
    ("/rankings/products?period=fortnight", "period"),
    ("/rankings/products?date=28-11-2026", "date"),
    ("/rankings/products?by=weight", "by"),
    ("/rankings/products?limit=0", "limit"),
    ("/rankings/products?limit=101", "limit"),
    ("/rankings/products?station_id=-1", "station_id"),
    ("/rankings/products?kind=retail&station_id=1", "station_id"),
    ("/rankings/stations?period=decade", "period"),
    ("/rankings/stations?limit=abc", "limit"),
    ("/rankings/drivers?date=2026-02-30", "date"),
    ("/ads/stats?limit=1000", "limit"),
    ("/drivers/active?period=year", "period"),
    ("/drivers/active?date=yesterday", "date"),
    ("/stations/nearby?lng=121.4", "lat"),
    ("/stations/nearby?lat=91&lng=121.4", "lat"),
    ("/stations/nearby?lat=89&lng=121.4", "lat"),  # beyond what a map (Redis GEO) can hold
    ("/stations/nearby?lat=31&lng=181", "lng"),
    ("/stations/nearby?lat=31&lng=121&radius_km=501", "radius_km"),
    ("/stations/nearby?lat=31&lng=121&radius_km=0", "radius_km"),
    ("/stations/nearby?lat=31&lng=121&sku=no%20such", "sku"),
    ("/stations/nearby?lat=31&lng=121&sku=NOPE-1", "sku"),
    ("/screen/drivers?station_id=0", "station_id"),
    ("/products/search", "prefix"),
    ("/products/search?prefix=", "prefix"),
    ("/products/search?prefix=a&limit=0", "limit"),
    ("/devices?per_page=201", "per_page"),
    ("/devices?page=0", "page"),
]


@pytest.mark.parametrize("path,field", BAD)
def test_bad_parameters_are_422_naming_the_field(api, path, field):
    problem(api.get(path), 422, field)


def test_unknown_scopes_and_stations_are_404(api):
    problem(api.get("/stats/summary?scope=station:999"), 404, "scope")
    problem(api.get("/series/daily?scope=device:999"), 404, "scope")
    problem(api.get("/screen/drivers?station_id=999"), 404, "station_id")
    problem(api.get("/rankings/products?station_id=999"), 404, "station_id")


@pytest.fixture
def fleet(api):
    return build_fleet(api, stations=2, products=1, drivers=2, ads=0)


def test_station_and_driver_tokens_read_only_their_own_scope(fleet, api):
    (s0, s1), (d0, d1) = fleet.stations, fleet.drivers
    v0, v1 = fleet.devices
    station, driver, device = s0["api_key"], d0["api_key"], v0["api_key"]
    own = [
        (f"/stats/summary?scope=station:{s0['id']}", station),
        (f"/series/daily?scope=station:{s0['id']}", station),
        (f"/rankings/products?station_id={s0['id']}", station),
        (f"/screen/drivers?station_id={s0['id']}", station),
        ("/screen/drivers", station),  # a station's map is its own station's
        (f"/stats/summary?scope=driver:{d0['id']}&kind=retail", driver),
        (f"/series/daily?scope=device:{v0['id']}&kind=retail", driver),  # the driver's own device
        ("/stations/nearby?lat=31.2&lng=121.4", driver),
        ("/products/search?prefix=s", station),
    ]
    for path, token in own:
        assert api.get(path, token=token).status_code == 200, path
    others = [
        (f"/stats/summary?scope=station:{s1['id']}", station),
        ("/stats/summary?scope=platform", station),
        ("/stats/summary", driver),
        (f"/stats/summary?scope=driver:{d0['id']}", station),
        (f"/series/daily?scope=driver:{d1['id']}", driver),
        (f"/series/daily?scope=device:{v1['id']}", driver),
        (f"/stats/summary?scope=device:{v0['id']}", station),
        ("/rankings/products", station),
        (f"/rankings/products?station_id={s1['id']}", station),
        ("/rankings/products", driver),
        (f"/screen/drivers?station_id={s1['id']}", station),
        ("/screen/drivers", driver),
        ("/rankings/stations", station),
        ("/rankings/drivers", driver),
        ("/ads/stats", station),
        ("/drivers/active", driver),
        ("/devices", station),
    ]
    for path, token in others:
        problem(api.get(path, token=token), 403)
    for path in ("/stats/summary", f"/stats/summary?scope=device:{v0['id']}", "/rankings/products",
                 "/stations/nearby?lat=31.2&lng=121.4", "/products/search?prefix=s", "/screen/drivers", "/devices"):
        problem(api.get(path, token=device), 403)  # a device token reads nothing
    problem(api.get("/stats/summary", token=None), 401)


def test_redis_down_is_a_503_not_a_500(app, settings):
    from app import create_app
    from tests.helpers import ADMIN_TOKEN, closed_port

    down = create_app(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}"}),
                      dashboard=False)
    response = down.test_client().get("/api/v1/stats/summary", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    problem(response, 503)
    assert "Traceback" not in response.get_data(as_text=True)


def test_openapi_describes_every_query_with_its_parameters_and_reply(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, params in {"/api/v1/stats/summary": {"scope", "kind"},
                         "/api/v1/rankings/products": {"kind", "period", "date", "station_id", "by", "limit"},
                         "/api/v1/series/daily": {"scope", "kind", "days", "end"},
                         "/api/v1/stations/nearby": {"lat", "lng", "radius_km", "limit", "sku"},
                         "/api/v1/products/search": {"prefix", "limit"}}.items():
        op = paths[path]["get"]
        assert {p["name"] for p in op["parameters"] if p["in"] == "query"} == params, path
        assert "200" in op["responses"], path
    assert "/api/v1/devices" in paths and "get" in paths["/api/v1/devices"]
