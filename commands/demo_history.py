"""The demo's past: thirteen months of a growing fleet, written through the same use cases as live traffic.

The platform "launched" ``DAYS`` ago with a few drivers; the others joined over
the year, the last ones a few weeks ago. Each driver's days are played forward
in memory (passengers buy what the device holds, weekday and hour-of-day shape
from the simulator's demand curve; the driver restocks at a station when
products run low and picks the order up an hour or two later), then written
with the settlements the API uses (``PurchaseSettlement`` in batches,
``ReplenishmentSettlement`` per order, ``pickup``, ``AdPlaySettlement``), each
given the time it happened: the API's late window bounds what clients may send,
not what the platform's own history holds. Their events go to the live figures
as the API hands them on; one ``analytics.rebuild`` at the end makes the closed
days and every period whole, as after any restore.
"""
from __future__ import annotations

import bisect
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ingest import purchases, replenishments
from ingest.ad_plays import AdPlaySettlement, AdPlaysRequest, Play
from ingest.settlement import settle
from simulator.fleet import HOURLY, LOW_MARK, PAYMENTS, TARGET

DAYS = 400                     # about thirteen months: last year's figures too, so Year and Total differ
FOUNDERS = 4                   # drivers there from the first day (a pilot, quieter than today's fleet)
FIRST_JOIN_DAYS, LAST_JOIN_DAYS = 120, 21  # the others joined one after another, the newest three weeks ago
SALES_PER_DAY = 12             # passenger purchases per driver on an ordinary weekday, once the driver is settled
WEEKDAY = (1.0, 0.95, 1.0, 1.05, 1.25, 1.4, 0.9)  # Monday .. Sunday: Friday and Saturday nights are busy
AD_DAYS, PLAYS_PER_DAY = 14, 24  # the campaigns started two weeks ago
BATCH, WINDOW = 500, timedelta(days=28)  # purchases per settle call, and the span one call may cover
TOP_UP = 0.12                  # per sale: the chance that a driver tops up a few products on the way


@dataclass
class Driver:
    driver_id: int
    device_id: int
    station_id: int
    stock: dict[str, int]
    joined: datetime
    sales: list = field(default_factory=list)     # (at, sku, quantity, payment)
    orders: list = field(default_factory=list)    # (at, pickup_at, {sku: quantity})
    plays: list = field(default_factory=list)     # (at, ad_id, duration_ms)


_CUMULATIVE = [sum(HOURLY[:i + 1]) for i in range(24)]


def _hour(rng: random.Random) -> float:
    """An hour of the day drawn from the demand curve (a sale at 08:00 is ten times one at 03:00)."""
    return bisect.bisect(_CUMULATIVE, rng.random() * _CUMULATIVE[-1]) + rng.random()


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    n, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def play_forward(rng: random.Random, driver: Driver, shelf: set[str], popularity: dict[str, float],
                 ads: list[int], now: datetime, tz, days: int = DAYS) -> None:
    """Fill ``driver``'s sales, orders and plays from the day it joined until ``now``."""
    day = driver.joined.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    incoming: list[tuple[datetime, dict]] = []  # orders on their way: (pickup time, lines)
    while day < now:
        age = (day - driver.joined).days
        settling = min(1.0, 0.6 + age / 120)  # a new driver's passengers take a while to find the device
        settling *= 0.45 + 0.55 * max(0.0, 1 - (now - day).days / days)  # and the pilot year was quieter
        times = sorted(day + timedelta(hours=_hour(rng)) for _ in
                       range(_poisson(rng, SALES_PER_DAY * WEEKDAY[day.weekday()] * settling)))
        for at in (t for t in times if t < now):
            while incoming and incoming[0][0] <= at:
                for sku, qty in incoming.pop(0)[1].items():
                    driver.stock[sku] = driver.stock.get(sku, 0) + qty
            held = [sku for sku, qty in driver.stock.items() if qty > 0]
            if not held:
                continue
            sku = rng.choices(held, weights=[popularity[s] for s in held])[0]
            qty = min(driver.stock[sku], rng.choice((1, 1, 1, 2)))
            driver.stock[sku] -= qty
            driver.sales.append((at, sku, qty, rng.choice(PAYMENTS)))
            if not incoming:
                _maybe_restock(rng, driver, shelf, at, now, incoming)
        if ads and (now - day).days < AD_DAYS:
            for _ in range(PLAYS_PER_DAY):
                at = day + timedelta(hours=_hour(rng))
                if at < now:
                    driver.plays.append((at, rng.choice(ads), rng.choice((15000, 15000, 30000))))
        day += timedelta(days=1)


def _maybe_restock(rng, driver: Driver, shelf: set[str], at: datetime, now: datetime, incoming: list) -> None:
    """As the simulator's cars do: restock when products run low, and now and then top up on the way,
    from what the home station shelves (so every day has its station sales)."""
    carried = sorted((qty, sku) for sku, qty in driver.stock.items() if sku in shelf)
    low = [sku for qty, sku in carried if qty <= LOW_MARK]
    if len(low) < 2 and rng.random() > TOP_UP:
        return
    wanted = [sku for _, sku in carried[:rng.randint(2, 4)]] or rng.sample(sorted(shelf), 3)
    lines = {sku: TARGET - max(0, driver.stock.get(sku, 0)) for sku in wanted}
    lines = {sku: qty for sku, qty in lines.items() if qty > 0}
    ordered = at + timedelta(minutes=rng.randint(5, 40))
    pickup = ordered + timedelta(minutes=rng.randint(30, 150))
    if not lines or pickup >= now:  # an order still on its way is the simulator's to place and pick up, live
        return
    driver.orders.append((ordered, pickup, lines))
    incoming.append((pickup, lines))
    incoming.sort(key=lambda item: item[0])


class Progress:
    """One line that rewrites itself: how much of the past is written, and how fast."""

    def __init__(self, total: int, out=sys.stdout):
        self.total, self.done, self.out, self.started, self.shown = max(total, 1), 0, out, time.monotonic(), -1

    def add(self, n: int, what: str) -> None:
        self.done += n
        percent = int(100 * self.done / self.total)
        if percent != self.shown:
            self.shown = percent
            end = "\n" if self.done >= self.total else ""
            print(f"\r  history {percent:3d}% · {self.done:,} of {self.total:,} records · {what} · "
                  f"{time.monotonic() - self.started:4.1f} s", end=end, file=self.out, flush=True)


def write(store, drivers: list[Driver], progress: Progress, hand_off) -> dict:
    """Everything played forward, through the use cases, each at its own time; ``hand_off(events)`` takes
    each use case's committed events on to the live figures, as the API does after every request."""
    counts = {"purchases": 0, "orders": 0, "pickups": 0, "ad_plays": 0}
    for d in drivers:
        _write_sales(store, d, progress, counts, hand_off)
        for n, (ordered, pickup_at, lines) in enumerate(d.orders):
            key = f"demo-history-{d.driver_id}-{n}"
            request = replenishments.ReplenishmentRequest(
                key=key, items=tuple((d.station_id, sku, qty) for sku, qty in sorted(lines.items())),
                payment_method="alipay", payment_reference=key)
            strategy = replenishments.ReplenishmentSettlement(store, d.driver_id, now=ordered)
            (outcome,), events = settle(store, strategy, f"driver:{d.driver_id}", [request])
            hand_off(events)
            body = outcome.body if isinstance(outcome.body, dict) else json.loads(outcome.body)
            counts["orders"] += 1
            for order in body["orders"]:
                hand_off(replenishments.pickup(store, order["id"],
                                               replenishments.Actor("station", order["station_id"]),
                                               device_id=d.device_id, now=pickup_at)[1])
                counts["pickups"] += 1
            progress.add(1, f"{counts['orders']:,} restock orders")
        for start in range(0, len(d.plays), BATCH):
            chunk = d.plays[start:start + BATCH]
            request = AdPlaysRequest(key=f"demo-history-ads-{d.device_id}-{start}",
                                     plays=tuple(Play(ad_id, at, ms) for at, ad_id, ms in chunk))
            strategy = AdPlaySettlement(store, d.device_id, d.driver_id, now=max(at for at, _, _ in chunk))
            hand_off(settle(store, strategy, f"device:{d.device_id}", [request])[1])
            counts["ad_plays"] += len(chunk)
            progress.add(len(chunk), f"{counts['ad_plays']:,} ad plays")
    return counts


def _write_sales(store, d: Driver, progress: Progress, counts: dict, hand_off) -> None:
    batch: list = []
    for n, (at, sku, qty, payment) in enumerate(d.sales):
        # A batch spans at most WINDOW: its settlement's clock is its last sale, and the late
        # window is measured from there.
        if batch and (len(batch) == BATCH or at - batch[0].occurred_at > WINDOW):
            _settle_sales(store, d, batch, progress, counts, hand_off)
            batch = []
        batch.append(purchases.PurchaseRequest(key=f"demo-history-{d.device_id}-{n}", occurred_at=at,
                                               items=((sku, qty),), payment_method=payment,
                                               payment_reference=f"demo-{d.device_id}-{n}"))
    if batch:
        _settle_sales(store, d, batch, progress, counts, hand_off)


def _settle_sales(store, d: Driver, batch: list, progress: Progress, counts: dict, hand_off) -> None:
    strategy = purchases.PurchaseSettlement(store, d.device_id, d.driver_id, now=batch[-1].occurred_at)
    hand_off(settle(store, strategy, f"device:{d.device_id}", batch)[1])
    counts["purchases"] += len(batch)
    progress.add(len(batch), f"{counts['purchases']:,} purchases")


def joined(index: int, count: int, now: datetime, days: int = DAYS) -> datetime:
    """Founders on the first day; the rest joined one after another over the last months."""
    if index < FOUNDERS:
        return now - timedelta(days=days)
    first, last = min(FIRST_JOIN_DAYS, days), min(LAST_JOIN_DAYS, days // 2)
    step = (first - last) / max(1, count - FOUNDERS - 1)
    return now - timedelta(days=first - (index - FOUNDERS) * step)
