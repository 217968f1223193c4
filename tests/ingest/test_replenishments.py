"""The order state machine as use cases, without HTTP (the scheduler's pickup expiry calls them)."""
from datetime import datetime, timedelta, timezone

import pytest

from ingest import replenishments
from ingest.errors import Conflict, Forbidden, NotFound
from tests.ingest.world import balance, outbox, rows, station_stock, world  # noqa: F401


def test_scheduler_cancels_through_the_same_use_case(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 6}])["orders"][0]
    cancelled, events = replenishments.cancel_order(store, order["id"], replenishments.SCHEDULER)
    assert cancelled["status"] == "cancelled"
    assert [e.kind for e in events] == ["replenishment_cancelled"] and events[0].payload["order_id"] == order["id"]
    assert rows(store, "SELECT cancel_reason FROM orders") == [("expired",)]
    assert station_stock(store, world.station["id"], world.cola["id"]) == 100
    again, events = replenishments.cancel_order(store, order["id"], replenishments.SCHEDULER)
    assert again == cancelled and events == []


def test_cancel_rules_as_a_use_case(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 1}])["orders"][0]
    with pytest.raises(Forbidden):
        replenishments.cancel_order(store, order["id"], replenishments.Actor("driver", world.other_driver["id"]))
    with pytest.raises(NotFound):
        replenishments.cancel_order(store, "ord_missing", replenishments.SCHEDULER)
    replenishments.pickup(store, order["id"], replenishments.Actor("admin"))
    with pytest.raises(Conflict):
        replenishments.cancel_order(store, order["id"], replenishments.SCHEDULER)


def test_expiry_cancels_only_overdue_orders(world, store):
    s1 = world.station["id"]
    old = world.placed([{"station_id": s1, "sku": "COLA-330", "quantity": 2}])["orders"][0]
    fresh = world.placed([{"station_id": s1, "sku": "COLA-330", "quantity": 3}])["orders"][0]
    picked = world.placed([{"station_id": s1, "sku": "CHIPS-70", "quantity": 1}])["orders"][0]
    replenishments.pickup(store, picked["id"], replenishments.Actor("station", s1))
    with store.engine.begin() as conn:  # age two orders past the expiry
        conn.exec_driver_sql("UPDATE orders SET created_at = created_at - interval '25 hours' WHERE id IN (%s, %s)",
                             (old["id"], picked["id"]))
        conn.exec_driver_sql("UPDATE order_lines SET created_at = created_at - interval '25 hours' "
                             "WHERE order_id IN (%s, %s)", (old["id"], picked["id"]))
    events = replenishments.expire_overdue(store)
    assert [e.payload["order_id"] for e in events] == [old["id"]]
    assert dict(rows(store, "SELECT id, status FROM orders")) == {
        old["id"]: "cancelled", fresh["id"]: "awaiting_pickup", picked["id"]: "picked_up"}
    assert station_stock(store, s1, world.cola["id"]) == 97
    assert replenishments.expire_overdue(store, now=datetime.now(timezone.utc) + timedelta(hours=25)) != []
    assert outbox(store, "replenishment_cancelled")[-1]["order_id"] == fresh["id"]
    assert balance(store, f"driver:{world.driver['id']}") == -500
