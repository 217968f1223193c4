"""Concurrency against a real threaded server: duplicates create one record, racing carts never oversell."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from tests.ingest.world import ADMIN, device_stock, key, scalar, stamp, station_stock, world  # noqa: F401


def at_once(n: int, send) -> list[requests.Response]:
    """Call ``send(i)`` from ``n`` threads released together."""
    barrier = threading.Barrier(n)

    def run(i):
        with requests.Session() as http:
            barrier.wait()
            return send(http, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def post(http, base, path, body, token, idem=None):
    headers = {"Authorization": f"Bearer {token}"}
    if idem:
        headers["Idempotency-Key"] = idem
    return http.post(f"{base}/api/v1{path}", json=body, headers=headers, timeout=30)


def test_twenty_identical_purchases_make_one(world, store, live_server):
    idem = key()
    body = {"occurred_at": stamp(), "items": [{"sku": "COLA-330", "quantity": 2}], "payment": {"method": "wechat"}}
    replies = at_once(20, lambda http, i: post(http, live_server, "/purchases", body, world.device["api_key"], idem))
    assert [r.status_code for r in replies] == [201] * 20
    assert len({r.content for r in replies}) == 1  # every caller got the same bytes
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in replies) == 19
    assert scalar(store, "SELECT count(*) FROM purchases") == 1
    assert scalar(store, "SELECT count(*) FROM ledger_entries") == 2
    assert scalar(store, "SELECT count(*) FROM outbox WHERE kind = 'purchase'") == 1
    assert device_stock(store, world.device["id"]) == {"COLA-330": -2}


def test_many_different_purchases_at_once_all_count(world, store, live_server):
    def send(http, i):
        body = {"occurred_at": stamp(), "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}}
        token = (world.device if i % 2 else world.other_device)["api_key"]
        return post(http, live_server, "/purchases", body, token, f"many-{i}")

    assert {r.status_code for r in at_once(16, send)} == {201}
    assert scalar(store, "SELECT count(*) FROM purchases") == 16
    assert device_stock(store, world.device["id"]) == {"COLA-330": -8}


def test_racing_drivers_for_the_last_units(world, store, live_server):
    s1 = world.station["id"]
    for round_no in range(3):
        world.api.stock(s1, [{"sku": "CHIPS-70", "quantity": 5, "on_shelf": True}])
        cart = {"items": [{"station_id": s1, "sku": "CHIPS-70", "quantity": 4}], "payment": {"method": "alipay"}}
        drivers = [world.driver, world.other_driver]
        replies = at_once(2, lambda http, i: post(http, live_server, "/replenishments", cart,
                                                  drivers[i]["api_key"], key(f"race{round_no}")))
        assert sorted(r.status_code for r in replies) == [201, 409]
        assert station_stock(store, s1, world.chips["id"]) == 1
        loser = next(r for r in replies if r.status_code == 409).json()
        assert loser["errors"][0]["field"] == "items[0].quantity"
    assert scalar(store, "SELECT count(*) FROM orders") == 3


def test_identical_orders_at_once_make_one(world, store, live_server):
    cart = {"items": [{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 7}],
            "payment": {"method": "alipay"}}
    idem = key()
    replies = at_once(10, lambda http, i: post(http, live_server, "/replenishments", cart, world.driver["api_key"],
                                               idem))
    created = [r for r in replies if r.status_code == 201]
    assert {r.status_code for r in replies} <= {201, 409} and created
    assert len({r.content for r in created}) == 1
    assert scalar(store, "SELECT count(*) FROM orders") == 1
    assert station_stock(store, world.station["id"], world.cola["id"]) == 93


def test_batch_and_single_racing_on_the_same_keys(world, store, live_server):
    when = stamp(timedelta(minutes=-1))
    entry = {"occurred_at": when, "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}}
    keys = [f"both-{n}" for n in range(30)]

    def send(http, i):
        if i == 0:
            return post(http, live_server, "/purchases/batch", {"purchases": [{**entry, "idempotency_key": k}
                                                                               for k in keys]},
                        world.device["api_key"])
        return post(http, live_server, "/purchases", entry, world.device["api_key"], keys[(i * 7) % len(keys)])

    replies = at_once(8, send)
    assert all(r.status_code in (200, 201) for r in replies)
    assert {r["status"] for r in replies[0].json()["results"]} <= {200, 201}
    assert scalar(store, "SELECT count(*) FROM purchases") == 30
    assert scalar(store, "SELECT count(*) FROM idempotency_keys") == 30


def test_replay_after_completion_is_byte_for_byte(world, live_server):
    idem = key()
    body = {"occurred_at": stamp(), "items": [{"sku": "CHIPS-70", "quantity": 1}], "payment": {"method": "card"},
            "location": {"lat": 31.2, "lng": 121.4}}
    with requests.Session() as http:
        first = post(http, live_server, "/purchases", body, world.device["api_key"], idem)
        second = post(http, live_server, "/purchases", body, world.device["api_key"], idem)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content and second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Content-Type"] == first.headers["Content-Type"] == "application/json"
