"""Seeded history for the report tests: rows written straight to the truth tables, and the
same history kept in Python so that each test can add up what a report must say."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from store.models import Order, OrderLine, Purchase, PurchaseLine
from tests.helpers import Api

SHANGHAI = timezone(timedelta(hours=8))


@dataclass
class Line:
    order_id: str
    at: datetime  # aware
    station_id: int | None
    driver_id: int
    device_id: int | None
    product_id: int
    quantity: int
    unit_price_cents: int
    status: str = "picked_up"

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    @property
    def day(self) -> str:
        return self.at.astimezone(SHANGHAI).date().isoformat()


@dataclass
class World:
    stations: list[dict]
    products: list[dict]
    drivers: list[dict]
    devices: list[dict]
    wholesale: list[Line]
    retail: list[Line]


def catalogue(api: Api, stations=3, products=4, drivers=3) -> World:
    return World(
        stations=[api.station() for _ in range(stations)],
        products=[api.product(supply_price_cents=100 + 37 * i, retail_price_cents=200 + 51 * i) for i in range(products)],
        drivers=(ds := [api.driver() for _ in range(drivers)]),
        devices=[api.device(d["id"]) for d in ds],
        wholesale=[], retail=[])


def add_order(store, world: World, lines: list[Line]) -> None:
    """One replenishment order (all ``lines`` share its id, time, station, driver, status)."""
    first = lines[0]
    with store.transaction() as session:
        session.execute(insert(Order).values(
            id=first.order_id, created_at=first.at, request_id=first.order_id, station_id=first.station_id,
            driver_id=first.driver_id, status=first.status, total_cents=sum(x.amount_cents for x in lines),
            units=sum(x.quantity for x in lines),
            payment_method="alipay", device_id=first.device_id))
        session.execute(insert(OrderLine), [dict(
            order_id=x.order_id, created_at=x.at, product_id=x.product_id, station_id=x.station_id,
            driver_id=x.driver_id, quantity=x.quantity, unit_price_cents=x.unit_price_cents,
            amount_cents=x.amount_cents) for x in lines])
    world.wholesale.extend(lines)


def add_purchase(store, world: World, lines: list[Line]) -> None:
    first = lines[0]
    with store.transaction() as session:
        session.execute(insert(Purchase).values(
            id=first.order_id, occurred_at=first.at, device_id=first.device_id, driver_id=first.driver_id,
            total_cents=sum(x.amount_cents for x in lines), payment_method="wechat"))
        session.execute(insert(PurchaseLine), [dict(
            purchase_id=x.order_id, occurred_at=x.at, product_id=x.product_id, device_id=x.device_id,
            driver_id=x.driver_id, quantity=x.quantity, unit_price_cents=x.unit_price_cents,
            amount_cents=x.amount_cents) for x in lines])
    world.retail.extend(lines)


def seed(store, api: Api, *, orders=120, purchases=150, start=datetime(2026, 11, 1, tzinfo=SHANGHAI),
         days=20, rng_seed=7) -> World:
    """Random orders (some cancelled, some awaiting pickup) and purchases over ``days`` days."""
    rng = random.Random(rng_seed)
    world = catalogue(api)
    for n in range(orders):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        station, driver = rng.choice(world.stations), rng.randrange(len(world.drivers))
        status = rng.choice(["picked_up"] * 6 + ["awaiting_pickup"] * 2 + ["cancelled"] * 2)
        device = world.devices[driver]["id"] if status == "picked_up" else None
        products = rng.sample(world.products, rng.randint(1, 3))
        add_order(store, world, [Line(f"o{n:05d}", at, station["id"], world.drivers[driver]["id"], device, p["id"],
                                      rng.randint(1, 24), p["supply_price_cents"], status) for p in products])
    for n in range(purchases):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        driver = rng.randrange(len(world.drivers))
        products = rng.sample(world.products, rng.randint(1, 2))
        add_purchase(store, world, [Line(f"p{n:05d}", at, None, world.drivers[driver]["id"],
                                         world.devices[driver]["id"], p["id"], rng.randint(1, 3),
                                         p["retail_price_cents"]) for p in products])
    return world


def truth(lines: list[Line], keys, *, first: str, last: str) -> dict:
    """Group key → (units, orders, amount_cents), counted the way a clerk would."""
    out: dict = {}
    for line in lines:
        if line.status == "cancelled" or not first <= line.day <= last:
            continue
        key = tuple(str(getattr(line, k)) for k in keys)
        units, orders, amount = out.get(key, (0, set(), 0))
        orders.add(line.order_id)
        out[key] = (units + line.quantity, orders, amount + line.amount_cents)
    return {k: (u, len(o), a) for k, (u, o, a) in out.items()}
