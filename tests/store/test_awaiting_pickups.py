"""``awaiting_pickups`` (the map's table) follows every order's status, whoever writes the order."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from ingest.replenishments import expire_overdue
from ingest.timing import utcnow
from tests.analytics.traffic import build_fleet

AWAITING = "SELECT id, created_at, station_id, driver_id FROM orders WHERE status = 'awaiting_pickup' ORDER BY id"
TABLE = "SELECT order_id, created_at, station_id, driver_id FROM awaiting_pickups ORDER BY order_id"


def rows(store, sql: str) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_the_table_holds_exactly_the_orders_awaiting_pickup_through_pickup_cancel_and_expiry(api, store):
    fleet = build_fleet(api, stations=2, products=2, drivers=2)
    s0, s1 = (s["id"] for s in fleet.stations)
    sku = fleet.products[0]["sku"]
    split = fleet.order(fleet.drivers[0], [(s0, sku, 1), (s1, sku, 1)])["orders"]
    picked = fleet.order(fleet.drivers[1], [(s0, sku, 2)])["orders"][0]
    cancelled = fleet.order(fleet.drivers[1], [(s1, sku, 1)])["orders"][0]
    assert len(rows(store, TABLE)) == 4 and rows(store, TABLE) == rows(store, AWAITING)

    fleet.pickup(picked["id"])
    fleet.cancel(cancelled["id"])
    assert [r[0] for r in rows(store, TABLE)] == sorted(o["id"] for o in split)
    assert rows(store, TABLE) == rows(store, AWAITING)

    expire_overdue(store, now=utcnow() + timedelta(hours=store.settings.pickup_expiry_hours + 1))
    assert rows(store, TABLE) == [] == rows(store, AWAITING)


def test_any_writer_of_orders_keeps_it_right(api, store):
    """A status set back by hand, an order deleted: the trigger follows plain SQL too."""
    fleet = build_fleet(api, stations=1, products=1, drivers=1)
    order = fleet.order(fleet.drivers[0], [(fleet.stations[0]["id"], fleet.products[0]["sku"], 1)])["orders"][0]
    fleet.pickup(order["id"])
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET status = 'awaiting_pickup' WHERE id = :id"), {"id": order["id"]})
    assert rows(store, TABLE) == rows(store, AWAITING) != []
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM order_lines WHERE order_id = :id"), {"id": order["id"]})
        conn.execute(text("DELETE FROM orders WHERE id = :id"), {"id": order["id"]})
    assert rows(store, TABLE) == [] == rows(store, AWAITING)
