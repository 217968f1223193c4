"""Every ingest endpoint against every kind of token: 401 without one, 403 for the wrong kind."""
import pytest

from tests.ingest.world import ADMIN, key, stamp, world  # noqa: F401

PURCHASE = {"occurred_at": "{now}", "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}}

# (method, path, body, {token kind: expected status}); "{device}", "{driver}", "{order}" are filled per test.
ENDPOINTS = [
    ("POST", "/devices/me/heartbeat", {}, {"device": 200}),
    ("POST", "/purchases", {**PURCHASE, "device_id": "{device}"}, {"device": 201, "admin": 201}),
    ("POST", "/purchases/batch", {"purchases": [{**PURCHASE, "idempotency_key": "{key}"}], "device_id": "{device}"},
     {"device": 200, "admin": 200}),
    ("POST", "/ad-plays", {"plays": [{"ad_id": "{ad}", "played_at": "{now}", "duration_ms": 1}],
                           "device_id": "{device}"}, {"device": 201, "admin": 201}),
    ("POST", "/replenishments", {"items": [{"station_id": "{station}", "sku": "COLA-330", "quantity": 1}],
                                 "payment": {"method": "cash"}, "driver_id": "{driver}"}, {"driver": 201, "admin": 201}),
    ("POST", "/replenishments/{order}/pickup", None, {"station": 200, "admin": 200}),
    ("POST", "/replenishments/{order}/cancel", None, {"driver": 200, "station": 200, "admin": 200}),
    ("POST", "/drivers/me/locations", {"points": [{"lat": 31.2, "lng": 121.4, "recorded_at": "{now}"}]},
     {"driver": 202}),
    ("POST", "/drivers/me/checkin", None, {"driver": 200}),
    ("GET", "/orders", None, {"admin": 200, "station": 200, "driver": 200}),
    ("GET", "/devices/{device}/stock", None, {"admin": 200, "driver": 200}),
    ("GET", "/accounts/driver:{driver}/balance", None, {"admin": 200, "driver": 200}),
]


def fill(value, names: dict):
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in names:
        return names[value[1:-1]]
    if isinstance(value, str):
        for name, filled in names.items():
            value = value.replace("{" + name + "}", str(filled))
    return value


@pytest.mark.parametrize("method,path,body,allowed", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_token_matrix(world, method, path, body, allowed):
    ad = world.api.post("/ads", {"title": "T", "advertiser": "A", "expected_plays": 9, "price_per_play_cents": 1,
                                 "starts_at": "2026-01-01T00:00:00+08:00"}).get_json()
    tokens = {"admin": ADMIN, "station": world.station["api_key"], "driver": world.driver["api_key"],
              "device": world.device["api_key"]}
    for kind in ("device", "station", "driver", "admin", None, "unknown"):
        order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 1}])["orders"][0]
        names = {"device": world.device["id"], "driver": world.driver["id"], "station": world.station["id"],
                 "order": order["id"], "ad": ad["id"], "now": stamp(), "key": key()}
        token = tokens.get(kind, "bfv_not-a-real-token" if kind else None)
        response = world.api.request(method, fill(path, names), json=fill(body, names), token=token,
                                     headers={"Idempotency-Key": key()})
        expected = 401 if kind in (None, "unknown") else allowed.get(kind, 403)
        assert response.status_code == expected, (kind, response.get_data(as_text=True))
