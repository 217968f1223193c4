"""Traffic for the analytics tests, sent through the public HTTP API as devices, drivers
and stations send it; and a small fleet to send it with."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tests.helpers import auth

_keys = itertools.count(1)


def idem() -> dict:
    return {"Idempotency-Key": f"an-{next(_keys)}"}


def ago(**delta) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


@dataclass
class Fleet:
    api: object
    stations: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    drivers: list[dict] = field(default_factory=list)
    devices: list[dict] = field(default_factory=list)  # devices[i] belongs to drivers[i]
    ads: list[dict] = field(default_factory=list)

    def purchase(self, device: dict, items: list[tuple[str, int]], occurred_at: str | None = None, location=None):
        body = {"occurred_at": occurred_at or ago(), "items": [{"sku": s, "quantity": q} for s, q in items],
                "payment": {"method": "alipay", "reference": "ref"}}
        if location:
            body["location"] = {"lat": location[0], "lng": location[1]}
        response = self.api.post("/purchases", body, token=device["api_key"], headers=idem())
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def purchase_batch(self, device: dict, entries: list[tuple[str, list[tuple[str, int]]]]) -> list[dict]:
        body = {"purchases": [{"idempotency_key": f"b-{next(_keys)}", "occurred_at": when,
                               "items": [{"sku": s, "quantity": q} for s, q in items],
                               "payment": {"method": "cash"}} for when, items in entries]}
        response = self.api.post("/purchases/batch", body, token=device["api_key"])
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert all(r["status"] == 201 for r in results), results
        return results

    def order(self, driver: dict, items: list[tuple[int, str, int]]) -> dict:
        body = {"items": [{"station_id": s, "sku": k, "quantity": q} for s, k, q in items],
                "payment": {"method": "wechat", "reference": "wx"}}
        response = self.api.post("/replenishments", body, token=driver["api_key"], headers=idem())
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def cancel(self, order_id: str, token=None):
        response = self.api.post(f"/replenishments/{order_id}/cancel", **({"token": token} if token else {}))
        assert response.status_code == 200, response.get_json()

    def pickup(self, order_id: str):
        assert self.api.post(f"/replenishments/{order_id}/pickup").status_code == 200

    def ad_plays(self, device: dict, plays: list[tuple[int, str]]):
        body = {"plays": [{"ad_id": a, "played_at": when, "duration_ms": 15000} for a, when in plays]}
        response = self.api.post("/ad-plays", body, token=device["api_key"], headers=idem())
        assert response.status_code == 201, response.get_json()

    def locate(self, driver: dict, lat: float, lng: float, recorded_at: str | None = None):
        body = {"points": [{"lat": lat, "lng": lng, "recorded_at": recorded_at or ago()}]}
        response = self.api.post("/drivers/me/locations", body, token=driver["api_key"])
        assert response.status_code == 202, response.get_json()

    def get(self, path: str, token=None, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
        response = self.api.get(path + ("?" + query if query else ""), **({"token": token} if token else {}))
        assert response.status_code == 200, (path, params, response.get_json())
        return response.get_json()


def build_fleet(api, stations: int = 3, products: int = 5, drivers: int = 3, ads: int = 2,
                stock: int = 100_000) -> Fleet:
    fleet = Fleet(api)
    for i in range(stations):
        fleet.stations.append(api.station(lat=31.20 + i * 0.02, lng=121.40 + i * 0.02))
    for i in range(products):
        fleet.products.append(api.product(retail_price_cents=150 + 37 * i, supply_price_cents=90 + 23 * i))
    for station in fleet.stations:
        api.stock(station["id"], [{"sku": p["sku"], "quantity": stock, "on_shelf": True} for p in fleet.products])
    for _ in range(drivers):
        driver = api.driver()
        fleet.drivers.append(driver)
        fleet.devices.append(api.device(driver["id"]))
    for i in range(ads):
        response = api.post("/ads", {"title": f"Ad {i}", "advertiser": "ACME", "expected_plays": 40 + i,
                                     "price_per_play_cents": 12 + i, "starts_at": ago(days=60)})
        assert response.status_code == 201, response.get_json()
        fleet.ads.append(response.get_json())
    return fleet


def random_cart(rng: random.Random, fleet: Fleet, lines: int = 3) -> list[tuple[str, int]]:
    products = rng.sample(fleet.products, rng.randint(1, min(lines, len(fleet.products))))
    return [(p["sku"], rng.randint(1, 5)) for p in products]


def bearer(token: str) -> dict:
    return auth(token)
