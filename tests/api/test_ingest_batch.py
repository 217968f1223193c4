"""POST /purchases/batch: each entry on its own, in order, with its own key."""
from datetime import timedelta

from tests.ingest.world import ADMIN, balance, device_stock, key, problem, scalar, stamp, world  # noqa: F401


def entry(idem: str, sku: str = "COLA-330", quantity: int = 1, **fields) -> dict:
    return {"idempotency_key": idem, "occurred_at": stamp(timedelta(minutes=-10)),
            "items": [{"sku": sku, "quantity": quantity}], "payment": {"method": "cash"}, **fields}


def batch(world, entries, token=None, **fields):
    return world.api.post("/purchases/batch", {"purchases": entries, **fields},
                          token=token or world.device["api_key"])


def test_each_entry_gets_its_own_result_in_order(world, store):
    single = world.purchase([{"sku": "COLA-330", "quantity": 2}], idem="shared-key")
    assert single.status_code == 201
    first, second = entry("b-1", quantity=3), entry("b-2", sku="CHIPS-70", quantity=2)
    entries = [
        first,
        {**entry("shared-key", quantity=2), "occurred_at": single.get_json()["occurred_at"],
         "payment": {"method": "alipay", "reference": "2026112822001"}},
        entry("b-bad", sku="NOPE"),
        second,
        entry("b-1", quantity=3) | {"occurred_at": first["occurred_at"]},  # the same entry again
        entry("b-1", quantity=4),                                            # same key, another body
        "not an object",
        entry("b-late", occurred_at=stamp(timedelta(days=-40))),
        {"occurred_at": stamp(), "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}},
    ]
    response = batch(world, entries)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201, 200, 422, 201, 200, 422, 422, 422, 422]
    assert [r["idempotency_key"] for r in results] == [
        "b-1", "shared-key", "b-bad", "b-2", "b-1", "b-1", None, "b-late", None]
    assert results[0]["total_cents"] == 3 * 350 and results[3]["total_cents"] == 2 * 800
    assert results[1]["id"] == single.get_json()["id"] and results[4]["id"] == results[0]["id"]
    assert results[2]["errors"] == [{"field": "purchases[2].items[0].sku", "message": "unknown sku 'NOPE'"}]
    assert results[5]["errors"][0]["field"] == "purchases[5].idempotency_key"
    assert results[6]["errors"][0]["field"] == "purchases[6]"
    assert results[7]["errors"][0]["field"] == "purchases[7].occurred_at"
    assert results[8]["errors"][0]["field"] == "purchases[8].idempotency_key"
    assert all(r["error"] for r in results if r["status"] == 422)
    assert scalar(store, "SELECT count(*) FROM purchases") == 3
    assert balance(store, f"driver:{world.driver['id']}") == 700 + 1050 + 1600
    assert device_stock(store, world.device["id"]) == {"COLA-330": -5, "CHIPS-70": -2}


def test_uploading_the_same_batch_again_creates_nothing(world, store):
    entries = [entry(f"again-{n}", quantity=1 + n % 3) for n in range(40)]
    first = batch(world, entries).get_json()["results"]
    again = batch(world, entries).get_json()["results"]
    assert {r["status"] for r in first} == {201} and {r["status"] for r in again} == {200}
    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert scalar(store, "SELECT count(*) FROM purchases") == 40
    assert scalar(store, "SELECT count(*) FROM outbox WHERE kind = 'purchase'") == 40


def test_a_batch_entry_replays_through_the_single_endpoint(world):
    item = entry("from-batch", quantity=2)
    created = batch(world, [item]).get_json()["results"][0]
    body = {k: v for k, v in item.items() if k != "idempotency_key"}
    single = world.api.post("/purchases", body, token=world.device["api_key"],
                            headers={"Idempotency-Key": "from-batch"})
    assert single.status_code == 201 and single.headers["Idempotent-Replayed"] == "true"
    assert single.get_json()["id"] == created["id"]


def test_stock_warnings_follow_the_order_of_the_sales(world, store):
    order = world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 3}])["orders"][0]
    world.api.post(f"/replenishments/{order['id']}/pickup")
    entries = [entry("w-1", quantity=2), entry("w-2", quantity=2), entry("w-3", quantity=1)]
    assert [r["status"] for r in batch(world, entries).get_json()["results"]] == [201, 201, 201]
    # each entry's stored reply (what a retry through POST /purchases returns) carries its own warning
    replies = [world.api.post("/purchases", {k: v for k, v in e.items() if k != "idempotency_key"},
                              token=world.device["api_key"], headers={"Idempotency-Key": e["idempotency_key"]})
               for e in entries]
    assert [r.headers.get("Idempotent-Replayed") for r in replies] == ["true"] * 3
    assert [r.get_json().get("stock_warnings") for r in replies] == [
        None, [{"sku": "COLA-330", "quantity": -1}], [{"sku": "COLA-330", "quantity": -2}]]
    assert device_stock(store, world.device["id"]) == {"COLA-330": -2}


def test_batch_envelope_rules(world):
    problem(batch(world, []), 422, "purchases")
    problem(batch(world, [entry(f"many-{n}") for n in range(501)]), 422, "purchases")
    problem(world.api.post("/purchases/batch", {"items": []}, token=world.device["api_key"]), 422, "purchases")
    problem(world.api.post("/purchases/batch", token=world.device["api_key"], data=b"[",
                           content_type="application/json"), 400)


def test_batch_rights(world, store):
    problem(batch(world, [entry("x-1")], device_id=world.other_device["id"]), 403)
    problem(batch(world, [entry("x-2")], token=ADMIN), 422, "device_id")
    assert batch(world, [entry("x-3")], token=ADMIN, device_id=world.other_device["id"]).status_code == 200
    for token in (world.driver["api_key"], world.station["api_key"]):
        problem(batch(world, [entry("x-4")], token=token), 403)
    assert device_stock(store, world.device["id"]) == {}
    assert device_stock(store, world.other_device["id"]) == {"COLA-330": -1}
