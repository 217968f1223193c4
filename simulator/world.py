"""The world a run starts from: stations, products, ads, and the simulator's own drivers.

Stations and products already on the server are used as they are; what is
missing is created with the admin token. Drivers and devices the simulator
created are remembered (with their keys, shown only once by the API) in a
state file under ``BUYFREE_DATA_DIR``, so the next run drives the same cars.
"""
from __future__ import annotations

import json
import os
import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from simulator.client import ApiClient
from simulator.geo import near

CITY_CENTRE = (31.2304, 121.4737)  # People's Square, Shanghai
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
STARTER_PRODUCTS = [  # only when the server has no catalogue at all
    ("SIM-COLA", "Cola 330ml", "drinks", 350, 210), ("SIM-WATER", "Mineral Water 550ml", "drinks", 200, 90),
    ("SIM-TEA", "Green Tea 500ml", "drinks", 300, 170), ("SIM-COFFEE", "Canned Coffee", "drinks", 600, 380),
    ("SIM-CHIPS", "Potato Chips 70g", "snacks", 750, 480), ("SIM-NUTS", "Daily Nuts 30g", "snacks", 700, 430),
    ("SIM-CHOC", "Chocolate Bar", "snacks", 600, 380), ("SIM-GUM", "Chewing Gum", "snacks", 1000, 650),
    ("SIM-TISSUE", "Tissues 10-pack", "daily", 600, 350), ("SIM-CABLE", "USB-C Cable", "daily", 2500, 1400),
]
STARTER_ADS = [("Sim Summer Drinks", "Sim Beverages", 5000, 6), ("Sim Food Delivery", "Sim Eats", 8000, 5),
               ("Sim Travel Deals", "Sim Trips", 3000, 10)]
STATION_STOCK = 400


@dataclass
class World:
    stations: list[dict]           # {id, name, lat, lng, key: station api_key or None}
    skus: list[str]
    retail: dict[str, int]         # sku -> retail fen, to total the sales of a batch upload
    ads: list[int]
    drivers: list[dict]            # {driver_id, driver_key, device_id, device_key, name, plate}
    run_number: int = 0
    stock: dict[int, dict[str, int]] = field(default_factory=dict)  # device_id -> sku -> quantity


def default_state_path() -> Path:
    return Path(os.environ.get("BUYFREE_DATA_DIR", "./var")) / "simulator-state.json"


class StateFile:
    """Keys the API showed once, per server (base URL)."""

    def __init__(self, path: Path, base_url: str):
        self.path, self.base = Path(path), base_url.rstrip("/")
        self.all = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.mine = self.all.setdefault(self.base, {"runs": 0, "stations": {}, "drivers": [], "ads": []})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.all, indent=1, ensure_ascii=False))
        tmp.chmod(0o600)  # it holds API keys
        tmp.replace(self.path)


def _plate(rng: random.Random) -> str:
    return f"沪{rng.choice('ABCDE')}·" + "".join(rng.choice(string.digits + "DFKLMNPQRSTUVWX") for _ in range(5))


def _products(client: ApiClient) -> tuple[dict[str, int], bool]:
    """sku -> retail fen of the catalogue, or of a starter catalogue when there is none.

    The API lists products only by prefix (1+ characters), so ask for every
    letter and digit a sku may start with."""
    retail = {}
    for first in string.ascii_lowercase + string.digits:
        body = client.require("GET", "/products/search", token=client.admin, params={"prefix": first, "limit": 100})
        retail.update({item["sku"]: item["retail_price_cents"] for item in body["items"]})
    if retail:
        return retail, False
    for sku, name, category, price, supply in STARTER_PRODUCTS:
        client.require("POST", "/products", token=client.admin, json={
            "sku": sku, "name": name, "category": category, "retail_price_cents": price,
            "supply_price_cents": supply})
    return {p[0]: p[3] for p in STARTER_PRODUCTS}, True


def _stations(client: ApiClient, state: StateFile, rng: random.Random, wanted: int, skus: list[str],
              stock_existing: bool) -> list[dict]:
    existing = client.require("GET", "/stations", token=client.admin)["items"]
    keys = state.mine["stations"]
    stations = [{**s, "key": keys.get(str(s["id"]))} for s in existing]
    if stock_existing:  # products we just created are on no shelf yet: put them on every station's
        for station in existing:
            _stock(client, station["id"], skus)
    for n in range(len(stations), wanted or (0 if stations else 4)):  # an empty server gets four
        lat, lng = near(rng, CITY_CENTRE, 14.0)
        created = client.require("POST", "/stations", token=client.admin, json={
            "name": f"模拟补给站 Sim Station {n + 1}", "address": f"{n + 1} Simulation Road",
            "lat": round(lat, 6), "lng": round(lng, 6)})
        keys[str(created["id"])] = created["api_key"]
        state.save()
        _stock(client, created["id"], skus)
        stations.append({**created, "key": created["api_key"]})
    return stations


def _stock(client: ApiClient, station_id: int, skus: list[str]) -> None:
    """Sets only these products' rows: a station's other stock stays as it is."""
    client.require("PUT", f"/stations/{station_id}/stock", token=client.admin, json={
        "items": [{"sku": sku, "quantity": STATION_STOCK, "on_shelf": True} for sku in skus]})


def _ads(client: ApiClient, state: StateFile) -> list[int]:
    if not state.mine["ads"]:
        starts = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="seconds")
        for title, advertiser, expected, price in STARTER_ADS:
            ad = client.require("POST", "/ads", token=client.admin, json={
                "title": title, "advertiser": advertiser, "expected_plays": expected,
                "price_per_play_cents": price, "starts_at": starts})
            state.mine["ads"].append(ad["id"])
        state.save()
    return list(state.mine["ads"])


def _drivers(client: ApiClient, state: StateFile, rng: random.Random, wanted: int) -> list[dict]:
    drivers = state.mine["drivers"]
    for n in range(len(drivers), wanted):
        name, plate = f"{SURNAMES[n % len(SURNAMES)]}师傅 Sim {n + 1:02d}", _plate(rng)
        driver = client.require("POST", "/drivers", token=client.admin, json={"name": name, "car_plate": plate})
        serial = f"SIM-{driver['id']:05d}-{rng.randrange(16 ** 6):06x}"
        device = client.require("POST", "/devices", token=client.admin,
                                json={"serial": serial, "driver_id": driver["id"]})
        drivers.append({"driver_id": driver["id"], "driver_key": driver["api_key"], "device_id": device["id"],
                        "device_key": device["api_key"], "name": name, "plate": plate})
        state.save()
    return drivers[:wanted]


def _forget_if_stale(client: ApiClient, state: StateFile) -> None:
    """A server whose database was reset no longer knows our keys: start the cast again."""
    drivers = state.mine["drivers"]
    if not drivers:
        return
    status, _ = client.call("GET", f"/devices/{drivers[0]['device_id']}/stock", token=drivers[0]["driver_key"],
                            allow=(401, 403, 404))
    if status != 200:
        state.mine.update(stations={}, drivers=[], ads=[])
        state.save()


def prepare(client: ApiClient, state: StateFile, rng: random.Random, *, stations: int, drivers: int) -> World:
    """Find or create everything a run needs; read each device's stock from the server."""
    _forget_if_stale(client, state)
    retail, created = _products(client)
    skus = sorted(retail)
    world = World(stations=_stations(client, state, rng, stations, skus, stock_existing=created), skus=skus,
                  retail=retail,
                  ads=_ads(client, state),
                  drivers=_drivers(client, state, rng, drivers), run_number=state.mine["runs"])
    state.mine["runs"] += 1
    state.save()
    for d in world.drivers:
        body = client.require("GET", f"/devices/{d['device_id']}/stock", token=d["driver_key"])
        world.stock[d["device_id"]] = {row["sku"]: row["quantity"] for row in body["items"]}
    return world
