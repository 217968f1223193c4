"""The cars: each step a car moves, sells, restocks, drops offline or comes back, and reports.

All randomness comes from one seeded ``random.Random`` and cars act in a fixed
order, one request at a time, so a seeded run sends the same requests (apart
from timestamps) whenever it starts from the same state.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from simulator.client import ApiClient
from simulator.geo import Path, near, route
from simulator.payments import scan_and_pay
from simulator.world import World

# Passenger demand by hour of day (business time zone): quiet nights, commuter peaks.
HOURLY = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.8, 1.0, 0.85, 0.7, 0.75,
          0.9, 0.8, 0.7, 0.7, 0.8, 0.95, 1.0, 0.9, 0.75, 0.6, 0.4, 0.25]
PAYMENTS = ["alipay"] * 5 + ["wechat"] * 4 + ["card", "cash"]
LOW_MARK, TARGET = 2, 12          # restock when products fall to LOW_MARK; buy up to TARGET
OFFLINE_CHANCE = 0.004            # per step: a device loses its network...
OFFLINE_STEPS = (15, 60)          # ...for this many steps, buffering its sales
HEARTBEAT_EVERY, LOCATIONS_EVERY, ADS_EVERY, PLAYLIST_EVERY = 20, 3, 10, 30
AD_CHANCE, TOP_UP_CHANCE, RETRY_AFTER = 0.3, 0.01, 10
WALK_AWAY_CHANCE = 0.05           # a passenger shown the Alipay QR code leaves without paying (it expires)


@dataclass
class Totals:
    purchases: int = 0
    purchase_cents: int = 0
    buffered: int = 0
    orders: int = 0
    order_cents: int = 0
    pickups: int = 0
    refused_restocks: int = 0
    location_points: int = 0
    scanned: int = 0                  # paid by scanning the QR code of POST /payments (Alipay confirms)
    walked_away: int = 0
    ad_plays: int = 0
    heartbeats: int = 0
    playlists: int = 0
    creatives_fetched: int = 0
    batch_items: Counter = field(default_factory=Counter)


@dataclass
class Car:
    info: dict
    position: tuple[float, float]
    path: Path
    stock: dict[str, int]
    pending: dict | None = None       # {"orders": [ids], "station": {...}, "lines": {sku: qty}}
    offline: int = 0                  # steps left without network
    buffered: list = field(default_factory=list)
    points: list = field(default_factory=list)
    plays: list = field(default_factory=list)
    wait: int = 0                     # steps before the next restock attempt
    playlist: list = field(default_factory=list)  # the items of the device's last playlist
    etag: str | None = None
    fetched: set = field(default_factory=set)     # sha256 of the creatives already on the device


class Fleet:
    def __init__(self, client: ApiClient, world: World, rng: random.Random, *, seed: int, rate: float,
                 tick: float, speed_kmh: float, start_hour: float, offline_chance: float = OFFLINE_CHANCE):
        self.client, self.world, self.rng = client, world, rng
        self.offline_chance = offline_chance
        self.rate, self.tick, self.speed_kmh, self.start_hour = rate, tick, speed_kmh, start_hour
        self.totals = Totals()
        self.payments = True  # until the server says payments are not configured (503)
        self._keys = 0
        self.prefix = f"sim-{seed}-r{world.run_number}"
        self.cars = []
        for info in world.drivers:
            home = rng.choice(world.stations)
            start = near(rng, (home["lat"], home["lng"]), 6.0)  # far enough to be seen driving in
            self.cars.append(Car(info, start, self._cruise_path(start), world.stock.get(info["device_id"], {})))

    # helpers -----------------------------------------------------------------
    def key(self, kind: str) -> str:
        self._keys += 1
        return f"{self.prefix}-{kind}-{self._keys}"

    def _cruise_path(self, start) -> Path:
        station = self.rng.choice(self.world.stations)
        return Path(route(self.rng, start, near(self.rng, (station["lat"], station["lng"]), 3.0)))

    def demand(self, step: int) -> float:
        """Expected purchases per car in one step at this (simulated) hour."""
        hour = int(self.start_hour + step * self.tick / 3600) % 24
        return self.rate * self.tick * HOURLY[hour] / max(1, len(self.cars))

    # one step ------------------------------------------------------------------
    def start(self, now: datetime) -> None:
        """Devices activate with a first heartbeat; drivers check in for the day."""
        for car in self.cars:
            self._heartbeat(car)
            self.client.call("POST", "/drivers/me/checkin", token=car.info["driver_key"])

    def step(self, step: int, now: datetime) -> None:
        stamp = now.isoformat(timespec="milliseconds")
        for index, car in enumerate(self.cars):
            self._drive(car, stamp)
            self._sell(car, step, stamp)
            self._network(car)
            self._restock(car)
            if (step + index) % LOCATIONS_EVERY == 0 and car.points:
                self._send_locations(car)
            if not car.offline and (car.etag is None or (step + index) % PLAYLIST_EVERY == 0):  # at start, then now and then
                self._refresh_playlist(car)
            if car.playlist and self.rng.random() < AD_CHANCE:
                item = self.rng.choice(car.playlist)  # what the device has on screen: proof of play per creative
                car.plays.append({"ad_id": item["ad_id"], "creative_id": item["creative_id"], "played_at": stamp,
                                  "duration_ms": item["duration_ms"] or 15000})
            elif self.world.ads and self.rng.random() < AD_CHANCE:
                car.plays.append({"ad_id": self.rng.choice(self.world.ads), "played_at": stamp,
                                  "duration_ms": self.rng.choice((15000, 15000, 30000))})
            if not car.offline and (step + index) % ADS_EVERY == 0 and car.plays:
                self._send_plays(car)
            if not car.offline and (step + index) % HEARTBEAT_EVERY == 0:
                self._heartbeat(car)

    def finish(self) -> None:
        """Flush what is still buffered so that a run leaves nothing behind."""
        for car in self.cars:
            car.offline = 0
            if car.buffered:
                self._upload_buffer(car)
            if car.points:
                self._send_locations(car)
            if car.plays:
                self._send_plays(car)

    # behaviours ----------------------------------------------------------------
    def _drive(self, car: Car, stamp: str) -> None:
        car.position = car.path.advance(self.speed_kmh * self.tick / 3600)
        car.points.append({"lat": round(car.position[0], 6), "lng": round(car.position[1], 6), "recorded_at": stamp})
        if not car.path.done:
            return
        if car.pending:
            self._pickup(car)
        car.path = self._cruise_path(car.position)

    def _sell(self, car: Car, step: int, stamp: str) -> None:
        expected = self.demand(step)
        sales = int(expected) + (self.rng.random() < expected - int(expected))
        for _ in range(sales):
            in_stock = sorted(sku for sku, qty in car.stock.items() if qty > 0)
            if not in_stock:
                return
            lines = {}
            for sku in self.rng.sample(in_stock, min(len(in_stock), self.rng.choice((1, 1, 1, 2)))):
                lines[sku] = min(car.stock[sku], self.rng.choice((1, 1, 1, 2, 3)))
            body = {"occurred_at": stamp, "items": [{"sku": s, "quantity": q} for s, q in lines.items()],
                    "payment": {"method": self.rng.choice(PAYMENTS), "reference": self.key("pay")},
                    "location": {"lat": round(car.position[0], 6), "lng": round(car.position[1], 6)}}
            walks_away = self.rng.random() < WALK_AWAY_CHANCE
            if body["payment"]["method"] == "alipay" and not car.offline and scan_and_pay(self, car, body, walks_away):
                continue
            for sku, qty in lines.items():
                car.stock[sku] -= qty
            if car.offline:
                car.buffered.append({"idempotency_key": self.key("buf"), **body})
                continue
            status, reply = self.client.call("POST", "/purchases", token=car.info["device_key"], json=body,
                                             idempotency_key=self.key("buy"))
            if status == 201:
                self.totals.purchases += 1
                self.totals.purchase_cents += reply["total_cents"]

    def _network(self, car: Car) -> None:
        if car.offline:
            car.offline -= 1
            if car.offline == 0 and car.buffered:
                self._upload_buffer(car)
        elif self.rng.random() < self.offline_chance:
            car.offline = self.rng.randint(*OFFLINE_STEPS)

    def _upload_buffer(self, car: Car) -> None:
        while car.buffered:
            chunk, car.buffered = car.buffered[:500], car.buffered[500:]
            status, reply = self.client.call("POST", "/purchases/batch", token=car.info["device_key"],
                                             json={"purchases": chunk})
            if status != 200:
                continue
            for entry, result in zip(chunk, reply["results"]):
                self.totals.batch_items[result["status"]] += 1
                if result["status"] == 201:
                    self.totals.purchases += 1
                    self.totals.buffered += 1
                    self.totals.purchase_cents += result.get("total_cents") or self._price(entry)
                else:
                    self.client.unexpected.append(f"batch item {entry['idempotency_key']}: {result}")

    def _price(self, entry: dict) -> int:
        return sum(self.world.retail.get(i["sku"], 0) * i["quantity"] for i in entry["items"])

    def _restock(self, car: Car) -> None:
        if car.pending or car.wait:
            car.wait = max(0, car.wait - 1)
            return
        # A device restocks the products it carries; one that carries almost nothing (new) picks from all.
        carried = [sku for sku in car.stock if sku in self.world.retail]
        levels = {sku: car.stock.get(sku, 0) for sku in (carried if len(carried) >= 4 else self.world.skus)}
        low = sorted((qty, sku) for sku, qty in levels.items() if qty <= LOW_MARK)
        stocked = sum(1 for qty in levels.values() if qty > LOW_MARK)
        # Run low (several products gone, or an empty new device), or top up now and then on the way.
        if not (len(low) >= 3 or stocked < 4 or (low and self.rng.random() < TOP_UP_CHANCE)):
            return
        wanted = [sku for _, sku in low[:4]]
        station, lines = self._choose_station(car, wanted)
        if station is None:
            car.wait = RETRY_AFTER
            return
        items = [{"station_id": station["id"], "sku": sku, "quantity": TARGET - levels[sku]} for sku in lines]
        status, reply = self.client.call(
            "POST", "/replenishments", token=car.info["driver_key"], idempotency_key=self.key("restock"),
            json={"items": items, "payment": {"method": "alipay", "reference": self.key("pay")}},
            allow=(409,))  # another driver took the last units first: documented, try again later
        if status != 201:
            self.totals.refused_restocks += status == 409
            car.wait = RETRY_AFTER
            return
        self.totals.orders += len(reply["orders"])
        self.totals.order_cents += reply["total_cents"]
        car.pending = {"orders": [o["id"] for o in reply["orders"]], "station": station,
                       "lines": {i["sku"]: i["quantity"] for i in items}}
        car.path = Path(route(self.rng, car.position, (station["lat"], station["lng"])))

    def _choose_station(self, car: Car, skus: list[str]):
        """The nearby station that has most of the wanted products on the shelf (nearest on a tie)."""
        seen: dict[int, dict] = {}
        covers: dict[int, list[str]] = {}
        for sku in skus:
            status, reply = self.client.call("GET", "/stations/nearby", token=car.info["driver_key"], params={
                "lat": round(car.position[0], 6), "lng": round(car.position[1], 6), "radius_km": 30, "limit": 5,
                "sku": sku})
            for found in (reply or {}).get("stations", []) if status == 200 else []:
                seen.setdefault(found["id"], found)
                covers.setdefault(found["id"], []).append(sku)
        if not seen:
            return None, []
        best = min(seen, key=lambda sid: (-len(covers[sid]), seen[sid]["distance_km"], sid))
        known = {s["id"]: s for s in self.world.stations}
        station = {**seen[best], "key": known.get(best, {}).get("key")}
        return station, covers[best]

    def _pickup(self, car: Car) -> None:
        """At the station: the station (its own key when the simulator created it) confirms."""
        station = car.pending["station"]
        token = station.get("key") or self.client.admin
        for order_id in car.pending["orders"]:
            status, _ = self.client.call("POST", f"/replenishments/{order_id}/pickup", token=token,
                                         json={"device_id": car.info["device_id"]},
                                         template="/replenishments/{id}/pickup")
            if status == 200:
                self.totals.pickups += 1
        for sku, qty in car.pending["lines"].items():
            car.stock[sku] = car.stock.get(sku, 0) + qty
        car.pending = None

    def _heartbeat(self, car: Car) -> None:
        status, _ = self.client.call("POST", "/devices/me/heartbeat", token=car.info["device_key"], json={
            "lat": round(car.position[0], 6), "lng": round(car.position[1], 6)})
        self.totals.heartbeats += status == 200

    def _send_locations(self, car: Car) -> None:
        points, car.points = car.points[-500:], []
        status, _ = self.client.call("POST", "/drivers/me/locations", token=car.info["driver_key"],
                                     json={"points": points})
        if status == 202:
            self.totals.location_points += len(points)

    def _refresh_playlist(self, car: Car) -> None:
        """The playlist (304 while it is unchanged), then the first bytes of each creative not yet fetched."""
        status, body, car.etag = self.client.playlist(car.info["device_key"], car.etag)
        self.totals.playlists += status in (200, 304)
        if status == 200:
            car.playlist = body["items"]
            for item in car.playlist:
                if item["sha256"] not in car.fetched and self.client.fetch_creative(item["url"]) in (200, 206):
                    car.fetched.add(item["sha256"])
                    self.totals.creatives_fetched += 1

    def _send_plays(self, car: Car) -> None:
        plays, car.plays = car.plays[:500], car.plays[500:]
        status, _ = self.client.call("POST", "/ad-plays", token=car.info["device_key"], json={"plays": plays},
                                     idempotency_key=self.key("ads"))
        if status == 201:
            self.totals.ad_plays += len(plays)
