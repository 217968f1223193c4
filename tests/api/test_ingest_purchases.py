"""POST /purchases: totals, lines, ledger, stock, outbox; idempotency; every field rule."""
from datetime import timedelta

import pytest

from tests.ingest.world import ADMIN, balance, device_stock, key, outbox, problem, rows, scalar, stamp, world  # noqa: F401


def test_purchase_recorded_with_exact_figures(world, store):
    response = world.purchase([{"sku": "COLA-330", "quantity": 2}, {"sku": "CHIPS-70", "quantity": 1}],
                              location={"lat": 31.23, "lng": 121.47}, occurred_at=stamp(timedelta(minutes=-3)))
    assert response.status_code == 201
    body = response.get_json()
    assert body["device_id"] == world.device["id"] and body["driver_id"] == world.driver["id"]
    assert body["total_cents"] == 2 * 350 + 800
    assert body["items"] == [
        {"sku": "COLA-330", "quantity": 2, "unit_price_cents": 350, "amount_cents": 700},
        {"sku": "CHIPS-70", "quantity": 1, "unit_price_cents": 800, "amount_cents": 800}]
    assert body["occurred_at"].endswith("+08:00")  # the business time zone's offset
    assert "stock_warnings" in body  # the device held nothing yet: its stock went below zero
    assert body["stock_warnings"] == [{"sku": "COLA-330", "quantity": -2}, {"sku": "CHIPS-70", "quantity": -1}]

    stored = rows(store, "SELECT id, total_cents, payment_method, payment_reference, lat, lng, "
                         "received_at > occurred_at FROM purchases")
    assert stored == [(body["id"], 1500, "alipay", "2026112822001", 31.23, 121.47, True)]
    lines = rows(store, "SELECT product_id, quantity, unit_price_cents, amount_cents FROM purchase_lines ORDER BY 1")
    assert lines == [(world.cola["id"], 2, 350, 700), (world.chips["id"], 1, 800, 800)]
    assert balance(store, f"driver:{world.driver['id']}") == 1500
    assert balance(store, "passengers") == -1500
    assert device_stock(store, world.device["id"]) == {"COLA-330": -2, "CHIPS-70": -1}
    assert scalar(store, "SELECT last_seen_at IS NOT NULL FROM devices WHERE id = :d", d=world.device["id"])
    (event,) = outbox(store, "purchase")
    assert event == {"purchase_id": body["id"], "device_id": world.device["id"], "driver_id": world.driver["id"],
                     "occurred_at": body["occurred_at"], "total_cents": 1500,
                     "lines": [{"product_id": world.cola["id"], "quantity": 2, "amount_cents": 700},
                               {"product_id": world.chips["id"], "quantity": 1, "amount_cents": 800}],
                     "location": {"lat": 31.23, "lng": 121.47}}


def test_no_stock_warning_while_the_device_has_stock(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 5}])
    assert world.api.post(f"/replenishments/{order['orders'][0]['id']}/pickup").status_code == 200
    body = world.purchase([{"sku": "COLA-330", "quantity": 5}]).get_json()
    assert "stock_warnings" not in body
    assert device_stock(store, world.device["id"]) == {"COLA-330": 0}
    assert world.purchase([{"sku": "COLA-330", "quantity": 1}]).get_json()["stock_warnings"] == [
        {"sku": "COLA-330", "quantity": -1}]


def test_replay_returns_the_stored_reply_byte_for_byte(world, store):
    idem, when = key(), stamp()
    first = world.purchase(idem=idem, occurred_at=when)
    again = world.purchase(idem=idem, occurred_at=when)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.get_data() == first.get_data()
    assert scalar(store, "SELECT count(*) FROM purchases") == 1
    assert balance(store, f"driver:{world.driver['id']}") == 700


def test_same_key_other_body_is_422(world, store):
    idem = key()
    assert world.purchase(idem=idem).status_code == 201
    problem(world.purchase([{"sku": "COLA-330", "quantity": 3}], idem=idem), 422, "Idempotency-Key")
    assert scalar(store, "SELECT count(*) FROM purchases") == 1


def test_keys_are_scoped_to_the_caller(world, store):
    idem = key()
    assert world.purchase(idem=idem).status_code == 201
    other = world.purchase(idem=idem, token=world.other_device["api_key"])
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    assert other.get_json()["device_id"] == world.other_device["id"]
    assert scalar(store, "SELECT count(*) FROM purchases") == 2


def test_idempotency_key_required(world):
    body = {"occurred_at": stamp(), "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}}
    problem(world.api.post("/purchases", body, token=world.device["api_key"]), 400, "Idempotency-Key")


@pytest.mark.parametrize("bad", ["x" * 256, "clé", "tab\there"])
def test_idempotency_key_shape(world, bad):
    problem(world.purchase(headers={"Idempotency-Key": bad}), 422, "Idempotency-Key")


def test_longest_key_accepted(world):
    assert world.purchase(idem="k" * 255).status_code == 201


@pytest.mark.parametrize("field,body", [
    ("items", {"items": []}),
    ("items", {"items": [{"sku": f"S{n}", "quantity": 1} for n in range(51)]}),
    ("items[0].quantity", {"items": [{"sku": "COLA-330", "quantity": 0}]}),
    ("items[0].quantity", {"items": [{"sku": "COLA-330", "quantity": 100}]}),
    ("items[0].quantity", {"items": [{"sku": "COLA-330", "quantity": "2"}]}),
    ("items[0].quantity", {"items": [{"sku": "COLA-330", "quantity": 1.5}]}),
    ("items[0].quantity", {"items": [{"sku": "COLA-330"}]}),
    ("items[0].sku", {"items": [{"sku": "has space", "quantity": 1}]}),
    ("items[1].sku", {"items": [{"sku": "COLA-330", "quantity": 1}, {"sku": "NOPE-1", "quantity": 1}]}),
    ("items[1].sku", {"items": [{"sku": "COLA-330", "quantity": 1}, {"sku": "COLA-330", "quantity": 1}]}),
    ("payment.method", {"payment": {"method": "bitcoin"}}),
    ("payment", {"payment": None}),
    ("payment.reference", {"payment": {"method": "card", "reference": "r" * 101}}),
    ("location.lat", {"location": {"lat": 91, "lng": 121.4}}),
    ("location.lng", {"location": {"lat": 31.2, "lng": -180.5}}),
    ("occurred_at", {"occurred_at": "2026-11-28T18:05:00"}),
    ("occurred_at", {"occurred_at": "yesterday"}),
    # Offsets, not stamps: parameters are built at collection, minutes before the test runs.
    ("occurred_at", {"occurred_at": timedelta(minutes=6)}),
    ("occurred_at", {"occurred_at": timedelta(days=-31)}),
])
def test_field_rules(world, store, field, body):
    if isinstance(body.get("occurred_at"), timedelta):
        body = {**body, "occurred_at": stamp(body["occurred_at"])}
    base = {"occurred_at": stamp(), "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}}
    response = world.api.post("/purchases", {**base, **body}, token=world.device["api_key"],
                              headers={"Idempotency-Key": key()})
    problem(response, 422, field)
    assert scalar(store, "SELECT count(*) FROM purchases") == 0


def test_time_window_edges_accepted(world):
    assert world.purchase(occurred_at=stamp(timedelta(minutes=4))).status_code == 201
    assert world.purchase(occurred_at=stamp(timedelta(days=-29, hours=-23))).status_code == 201


def test_malformed_json_and_content_type(world):
    headers = {"Idempotency-Key": key(), "Content-Type": "application/json"}
    problem(world.api.post("/purchases", token=world.device["api_key"], headers=headers, data=b'{"items": ['), 400)
    problem(world.api.post("/purchases", token=world.device["api_key"], headers={"Idempotency-Key": key()},
                           data=b"occurred_at=now", content_type="application/x-www-form-urlencoded"), 415)
    problem(world.api.post("/purchases", [1, 2], token=world.device["api_key"], headers={"Idempotency-Key": key()}),
            422, "body")


def test_json_that_only_the_standard_parser_reads_gets_the_same_answers(world, store):
    """Bodies go through orjson first; JSON it cannot hold is still judged field by field, and
    what is not JSON at all (NaN) is a 400."""
    headers = {"Idempotency-Key": key(), "Content-Type": "application/json"}
    huge = ('{"occurred_at": "%s", "items": [{"sku": "COLA-330", "quantity": 123456789012345678901234567890}], '
            '"payment": {"method": "alipay"}}' % stamp())
    problem(world.api.post("/purchases", token=world.device["api_key"], headers=headers, data=huge.encode()),
            422, "items[0].quantity")
    nan = '{"occurred_at": "%s", "items": [{"sku": "COLA-330", "quantity": NaN}], "payment": {"method": "alipay"}}'
    problem(world.api.post("/purchases", token=world.device["api_key"], headers={**headers, "Idempotency-Key": key()},
                           data=(nan % stamp()).encode()), 400)
    assert scalar(store, "SELECT count(*) FROM purchases") == 0
    named = world.api.post("/products", {"sku": "TEA-500", "name": "乌龙茶 500ml", "retail_price_cents": 500,
                                         "supply_price_cents": 300}, token=ADMIN)
    assert named.status_code == 201 and "乌龙茶".encode() in named.data  # UTF-8 out, not \u escapes


def test_device_cannot_buy_for_another_device(world, store):
    problem(world.purchase(device_id=world.other_device["id"]), 403)
    assert scalar(store, "SELECT count(*) FROM purchases") == 0
    assert device_stock(store, world.other_device["id"]) == {}


def test_admin_records_for_a_named_device(world, store):
    problem(world.purchase(token=ADMIN), 422, "device_id")
    response = world.purchase(token=ADMIN, device_id=world.other_device["id"])
    assert response.status_code == 201
    assert response.get_json()["driver_id"] == world.other_driver["id"]
    problem(world.purchase(token=ADMIN, device_id=999999), 404, "device_id")


def test_same_instant_written_another_way_is_the_same_request(world, store):
    idem = key()
    first = world.purchase(idem=idem)
    assert first.status_code == 201
    local = first.get_json()["occurred_at"]  # the same instant in +08:00
    again = world.purchase(idem=idem, occurred_at=local)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_data() == first.get_data()
