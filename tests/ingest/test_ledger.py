"""The ledger after a mix of purchases, orders, pickups and cancels: every transaction sums to
zero and every balance equals what the orders and purchases say."""
import random

from tests.ingest.world import rows, scalar, stamp, world  # noqa: F401


def test_every_transaction_balances_and_accounts_match_the_orders(world, store):
    rng = random.Random(7)
    api, stations, drivers = world.api, [world.station, world.other_station], [world.driver, world.other_driver]
    devices = {world.driver["id"]: world.device, world.other_driver["id"]: world.other_device}
    for step in range(30):
        driver = rng.choice(drivers)
        action = rng.random()
        if action < 0.5:
            sku = rng.choice(["COLA-330", "CHIPS-70", "WATER-550"])
            world.purchase([{"sku": sku, "quantity": rng.randint(1, 5)}], token=devices[driver["id"]]["api_key"])
        else:
            station = rng.choice(stations)
            reply = world.order([{"station_id": station["id"], "sku": "COLA-330", "quantity": rng.randint(1, 4)}],
                                token=driver["api_key"])
            if reply.status_code == 201 and action > 0.75:
                order_id = reply.get_json()["orders"][0]["id"]
                verb = "cancel" if action > 0.87 else "pickup"
                assert api.post(f"/replenishments/{order_id}/{verb}").status_code == 200
    assert scalar(store, "SELECT count(*) FROM (SELECT txn_id FROM ledger_entries GROUP BY txn_id "
                         "HAVING sum(amount_cents) <> 0 OR count(*) <> 2) AS unbalanced") == 0
    assert scalar(store, "SELECT sum(amount_cents) FROM ledger_entries") == 0
    assert scalar(store, "SELECT count(*) FROM orders WHERE status = 'cancelled'") > 0
    for driver in drivers:
        sales = scalar(store, "SELECT coalesce(sum(total_cents), 0) FROM purchases WHERE driver_id = :d", d=driver["id"])
        bought = scalar(store, "SELECT coalesce(sum(total_cents), 0) FROM orders WHERE driver_id = :d "
                               "AND status <> 'cancelled'", d=driver["id"])
        reply = world.api.get(f"/accounts/driver:{driver['id']}/balance").get_json()
        assert reply["balance_cents"] == sales - bought
        assert reply["in_cents"] - reply["out_cents"] == reply["balance_cents"]
    for station in stations:
        sold = scalar(store, "SELECT coalesce(sum(total_cents), 0) FROM orders WHERE station_id = :s "
                             "AND status <> 'cancelled'", s=station["id"])
        assert world.api.get(f"/accounts/station:{station['id']}/balance").get_json()["balance_cents"] == sold
    assert rows(store, "SELECT DISTINCT kind FROM ledger_entries ORDER BY 1") == [
        ("purchase",), ("replenishment",), ("replenishment_cancel",)]
