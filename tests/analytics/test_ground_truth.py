"""Ground truth: thousands of random purchases, orders, cancels and late events through the HTTP
API; then every summary, ranking, series and ad figure equals the same figure by SQL, to the fen."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from analytics import periods
from tests.analytics.compare import assert_equal_to_truth
from tests.analytics.traffic import ago, build_fleet, random_cart


def test_live_figures_equal_postgres_to_the_fen(api, store):
    rng = random.Random(20261128)
    fleet = build_fleet(api, stations=4, products=8, drivers=6, ads=3)
    tz = store.settings.tz
    today = periods.today(tz)

    def late(days_back: int) -> str:
        """Around the clock of a past business day, midnights included."""
        day = today - timedelta(days=days_back)
        moment = rng.choice([time(0, 0, 0), time(23, 59, 59), time(rng.randint(0, 23), rng.randint(0, 59))])
        when = datetime.combine(day, moment, tzinfo=tz)
        return min(when, datetime.now(tz)).isoformat()

    for _ in range(150):  # single purchases, now and late, some with the car's position
        device = rng.choice(fleet.devices)
        where = (31.2 + rng.random() / 10, 121.4 + rng.random() / 10) if rng.random() < 0.3 else None
        fleet.purchase(device, random_cart(rng, fleet), occurred_at=late(rng.choice([0, 0, 1, 2, 7, 29])),
                       location=where)
    for _ in range(20):  # buffered uploads: 2,000 purchases from the past month
        device = rng.choice(fleet.devices)
        fleet.purchase_batch(device, [(late(rng.randint(0, 29)), random_cart(rng, fleet)) for _ in range(100)])
    placed = []
    for _ in range(250):  # restocking carts over several stations
        driver = rng.choice(fleet.drivers)
        items = {}
        for _ in range(rng.randint(1, 4)):
            station, sku = rng.choice(fleet.stations)["id"], rng.choice(fleet.products)["sku"]
            items[(station, sku)] = (station, sku, rng.randint(1, 30))
        for order in fleet.order(driver, list(items.values()))["orders"]:
            placed.append((order, driver))
    rng.shuffle(placed)
    stations = {s["id"]: s for s in fleet.stations}
    for order, driver in placed[:100]:  # cancelled by the driver, the station or an admin
        token = rng.choice([driver["api_key"], stations[order["station_id"]]["api_key"], None])
        fleet.cancel(order["id"], token=token)
    for order, _ in placed[100:160]:
        fleet.pickup(order["id"])
    for _ in range(20):
        fleet.ad_plays(rng.choice(fleet.devices), [(rng.choice(fleet.ads)["id"], late(rng.randint(0, 20)))
                                                  for _ in range(30)])
    assert_equal_to_truth(store, days=31)
