"""POST /replenishments, /pickup, /cancel: split per station, stock, ledger, states, rights."""
import pytest

from tests.ingest.world import (ADMIN, balance, device_stock, key, outbox, problem, rows, scalar,  # noqa: F401
                                station_stock, world)


def test_cart_split_per_station_at_supply_prices(world, store):
    s1, s2 = world.station["id"], world.other_station["id"]
    reply = world.order([{"station_id": s1, "sku": "COLA-330", "quantity": 24},
                         {"station_id": s2, "sku": "COLA-330", "quantity": 6},
                         {"station_id": s1, "sku": "CHIPS-70", "quantity": 3}], note="back door",
                        pickup_at="2026-11-29T09:00:00+08:00")
    assert reply.status_code == 201
    body = reply.get_json()
    assert body["total_cents"] == 24 * 210 + 6 * 210 + 3 * 500
    first, second = body["orders"]
    assert (first["station_id"], second["station_id"]) == (s1, s2)
    assert first["items"] == [{"sku": "COLA-330", "quantity": 24, "unit_price_cents": 210, "amount_cents": 5040},
                              {"sku": "CHIPS-70", "quantity": 3, "unit_price_cents": 500, "amount_cents": 1500}]
    assert first["total_cents"] == 6540 and second["total_cents"] == 1260
    assert second["items"] == [{"sku": "COLA-330", "quantity": 6, "unit_price_cents": 210, "amount_cents": 1260}]
    for order in body["orders"]:
        assert order["status"] == "awaiting_pickup" and order["driver_id"] == world.driver["id"]
        assert order["created_at"].endswith("+08:00") and order["note"] == "back door"
        assert order["pickup_at"] == "2026-11-29T09:00:00+08:00"
    assert station_stock(store, s1, world.cola["id"]) == 76
    assert station_stock(store, s1, world.chips["id"]) == 7
    assert station_stock(store, s2, world.cola["id"]) == 24
    assert balance(store, f"driver:{world.driver['id']}") == -7800
    assert balance(store, f"station:{s1}") == 6540 and balance(store, f"station:{s2}") == 1260
    (event,) = outbox(store, "replenishment")
    assert [o["order_id"] for o in event["orders"]] == [first["id"], second["id"]]
    assert event["orders"][0] == {"order_id": first["id"], "station_id": s1, "driver_id": world.driver["id"],
                                  "created_at": first["created_at"], "total_cents": 6540,
                                  "lines": [{"product_id": world.cola["id"], "quantity": 24, "amount_cents": 5040},
                                            {"product_id": world.chips["id"], "quantity": 3, "amount_cents": 1500}]}
    assert scalar(store, "SELECT count(DISTINCT request_id) FROM orders") == 1


@pytest.mark.parametrize("line,field", [
    ({"sku": "WATER-550", "quantity": 1}, "items[1].sku"),       # off the shelf
    ({"sku": "CHIPS-70", "quantity": 11}, "items[1].quantity"),  # only 10 left
])
def test_short_or_off_shelf_line_refuses_the_whole_cart(world, store, line, field):
    s1 = world.station["id"]
    problem(world.order([{"station_id": s1, "sku": "COLA-330", "quantity": 5}, {"station_id": s1, **line}]),
            409, field)
    assert scalar(store, "SELECT count(*) FROM orders") == 0
    assert scalar(store, "SELECT count(*) FROM ledger_entries") == 0
    assert station_stock(store, s1, world.cola["id"]) == 100
    assert outbox(store, "replenishment") == []


def test_product_not_stocked_at_that_station_is_409(world):
    problem(world.order([{"station_id": world.other_station["id"], "sku": "CHIPS-70", "quantity": 1}]),
            409, "items[0].sku")


@pytest.mark.parametrize("items,field", [
    ([], "items"),
    ([{"station_id": 999, "sku": "COLA-330", "quantity": 1}], "items[0].station_id"),
    ([{"station_id": "{s}", "sku": "NOPE", "quantity": 1}], "items[0].sku"),
    ([{"station_id": "{s}", "sku": "COLA-330", "quantity": 0}], "items[0].quantity"),
    ([{"station_id": "{s}", "sku": "COLA-330", "quantity": 1}, {"station_id": "{s}", "sku": "COLA-330",
                                                                "quantity": 2}], "items[1].sku"),
    ([{"station_id": 0, "sku": "COLA-330", "quantity": 1}], "items[0].station_id"),
])
def test_cart_field_rules(world, store, items, field):
    items = [{**i, "station_id": world.station["id"]} if i["station_id"] == "{s}" else i for i in items]
    problem(world.order(items), 422, field)
    assert scalar(store, "SELECT count(*) FROM orders") == 0


@pytest.mark.parametrize("extra,field", [
    ({"payment": {"method": "iou"}}, "payment.method"),
    ({"pickup_at": "2026-11-29T09:00:00"}, "pickup_at"),
    ({"note": "n" * 501}, "note"),
])
def test_order_field_rules(world, extra, field):
    problem(world.order([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 1}], **extra), 422, field)


def test_order_replay_and_key_rules(world, store):
    items = [{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 2}]
    idem = key()
    first = world.order(items, idem=idem)
    again = world.order(items, idem=idem)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    problem(world.order([{**items[0], "quantity": 3}], idem=idem), 422, "Idempotency-Key")
    problem(world.api.post("/replenishments", {"items": items, "payment": {"method": "cash"}},
                           token=world.driver["api_key"]), 400, "Idempotency-Key")
    assert scalar(store, "SELECT count(*) FROM orders") == 1
    assert station_stock(store, world.station["id"], world.cola["id"]) == 98


def test_pickup_moves_the_goods_to_the_device(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 12},
                          {"station_id": world.station["id"], "sku": "CHIPS-70", "quantity": 2}])["orders"][0]
    reply = world.api.post(f"/replenishments/{order['id']}/pickup", token=world.station["api_key"])
    assert reply.status_code == 200
    picked = reply.get_json()
    assert picked["status"] == "picked_up" and picked["device_id"] == world.device["id"]
    assert picked["picked_up_at"] and picked["items"] == order["items"]
    assert device_stock(store, world.device["id"]) == {"COLA-330": 12, "CHIPS-70": 2}
    again = world.api.post(f"/replenishments/{order['id']}/pickup", {"device_id": world.device["id"]},
                           token=world.station["api_key"])
    assert again.status_code == 200 and again.get_json() == picked
    assert device_stock(store, world.device["id"]) == {"COLA-330": 12, "CHIPS-70": 2}
    problem(world.api.post(f"/replenishments/{order['id']}/cancel", token=world.driver["api_key"]), 409, "status")
    assert station_stock(store, world.station["id"], world.cola["id"]) == 88


def test_pickup_names_the_device_when_the_driver_has_several(world, store):
    second = world.api.device(world.driver["id"])
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 4}])["orders"][0]
    path = f"/replenishments/{order['id']}/pickup"
    problem(world.api.post(path, token=world.station["api_key"]), 422, "device_id")
    problem(world.api.post(path, {"device_id": world.other_device["id"]}, token=world.station["api_key"]),
            422, "device_id")
    reply = world.api.post(path, {"device_id": second["id"]}, token=world.station["api_key"])
    assert reply.status_code == 200 and reply.get_json()["device_id"] == second["id"]
    assert device_stock(store, second["id"]) == {"COLA-330": 4}
    assert device_stock(store, world.device["id"]) == {}


def test_pickup_rights_and_unknown_order(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 4}])["orders"][0]
    path = f"/replenishments/{order['id']}/pickup"
    problem(world.api.post(path, token=world.other_station["api_key"]), 403)
    problem(world.api.post(path, token=world.driver["api_key"]), 403)
    problem(world.api.post(path, token=world.device["api_key"]), 403)
    problem(world.api.post(path, token=None), 401)
    assert device_stock(store, world.device["id"]) == {}
    problem(world.api.post("/replenishments/ord_nope/pickup"), 404)
    assert world.api.post(path, token=ADMIN).status_code == 200


def test_cancel_restores_stock_and_money(world, store):
    s1 = world.station["id"]
    order = world.placed([{"station_id": s1, "sku": "COLA-330", "quantity": 10}])["orders"][0]
    reply = world.api.post(f"/replenishments/{order['id']}/cancel", token=world.driver["api_key"])
    assert reply.status_code == 200
    cancelled = reply.get_json()
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    assert station_stock(store, s1, world.cola["id"]) == 100
    assert balance(store, f"driver:{world.driver['id']}") == 0 and balance(store, f"station:{s1}") == 0
    assert rows(store, "SELECT cancel_reason FROM orders") == [("driver",)]
    (event,) = outbox(store, "replenishment_cancelled")
    assert event == {"order_id": order["id"], "station_id": s1, "driver_id": world.driver["id"],
                     "created_at": order["created_at"], "total_cents": 2100,
                     "lines": [{"product_id": world.cola["id"], "quantity": 10, "amount_cents": 2100}]}
    again = world.api.post(f"/replenishments/{order['id']}/cancel", token=ADMIN)
    assert again.status_code == 200 and again.get_json() == cancelled
    assert len(outbox(store, "replenishment_cancelled")) == 1
    assert station_stock(store, s1, world.cola["id"]) == 100
    problem(world.api.post(f"/replenishments/{order['id']}/pickup", token=world.station["api_key"]), 409, "status")


def test_cancel_rights(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 3}])["orders"][0]
    path = f"/replenishments/{order['id']}/cancel"
    problem(world.api.post(path, token=world.other_driver["api_key"]), 403)
    problem(world.api.post(path, token=world.other_station["api_key"]), 403)
    problem(world.api.post(path, token=world.device["api_key"]), 403)
    assert scalar(store, "SELECT status FROM orders") == "awaiting_pickup"
    reply = world.api.post(path, token=world.station["api_key"])
    assert reply.status_code == 200
    assert rows(store, "SELECT cancel_reason FROM orders") == [("station",)]


def test_absurd_cart_total_is_422_not_an_overflow(world, api, store):
    api.product(sku="GOLD-1", retail_price_cents=10**12, supply_price_cents=10**12)
    api.stock(world.station["id"], [{"sku": "GOLD-1", "quantity": 1_000_000, "on_shelf": True}])
    problem(world.order([{"station_id": world.station["id"], "sku": "GOLD-1", "quantity": 100_000}]), 422, "items")
    assert scalar(store, "SELECT count(*) FROM orders") == 0
