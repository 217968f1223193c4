"""Redis down: ingest answers 2xx, the replay catches up; Redis emptied: the rebuild restores it."""
from __future__ import annotations

import random

import pytest

import analytics
from analytics.rebuild import rebuild
from app import create_app
from store import get_store
from tests.analytics.compare import assert_equal_to_truth
from tests.analytics.traffic import ago, build_fleet, random_cart
from tests.helpers import Api, closed_port


def test_figures_catch_up_after_redis_was_down_and_come_back_after_a_flush(api, store, settings):
    rng = random.Random(7)
    fleet = build_fleet(api, stations=2, products=4, drivers=3)
    fleet.purchase(fleet.devices[0], random_cart(rng, fleet))  # a figure from before the outage
    down = create_app(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}"}),
                      dashboard=False)
    fleet.api = Api(down.test_client())  # the same fleet, through an app whose Redis is stopped
    for i in range(100):
        fleet.purchase(fleet.devices[i % 3], random_cart(rng, fleet), occurred_at=ago(days=i % 4))  # asserts 201
    order = fleet.order(fleet.drivers[1], [(fleet.stations[0]["id"], fleet.products[0]["sku"], 5),
                                           (fleet.stations[1]["id"], fleet.products[1]["sku"], 2)])
    fleet.cancel(order["orders"][0]["id"])
    fleet.ad_plays(fleet.devices[2], [(fleet.ads[0]["id"], ago(minutes=3))] * 5)
    get_store(down).close()

    assert analytics.queries.summary(store, "platform", "retail")["total"]["orders"] == 1  # not caught up yet
    counts = analytics.replay_outbox(store, batch=40)
    assert counts["applied"] >= 103 and counts["failed"] == 0
    assert_equal_to_truth(store, days=5)

    store.redis.flushdb()
    assert not analytics.has_full_build(store)
    rebuild(store)
    assert analytics.has_full_build(store)
    assert_equal_to_truth(store, days=5)


@pytest.mark.parametrize("catch_up", ["rebuild", "replay"])
def test_catalogue_requests_succeed_with_redis_down_and_are_indexed_once_it_is_back(api, store, settings, catch_up):
    """Catalogue changes go through the outbox: the replay indexes them as the rebuild does."""
    down = create_app(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}"}),
                      dashboard=False)
    offline = Api(down.test_client())
    station = offline.station(lat=31.3, lng=121.5)  # asserts 201
    product = offline.product(sku="OFFLINE-1", name="Offline tea")
    offline.stock(station["id"], [{"sku": "OFFLINE-1", "quantity": 3, "on_shelf": True}])
    get_store(down).close()
    assert analytics.queries.stations_nearby(store, 31.3, 121.5, 1, 5)["stations"] == []  # not on the map yet
    assert analytics.queries.products_search(store, "offline", 5)["items"] == []
    if catch_up == "rebuild":
        rebuild(store)
    else:
        assert analytics.replay_outbox(store)["failed"] == 0
    assert [s["id"] for s in analytics.queries.stations_nearby(store, 31.3, 121.5, 1, 5, sku="OFFLINE-1")[
        "stations"]] == [station["id"]]
    assert [s["id"] for s in analytics.queries.stations_nearby(store, 31.3, 121.5, 1, 5)["stations"]] == [station["id"]]
    assert [p["id"] for p in analytics.queries.products_search(store, "offline", 5)["items"]] == [product["id"]]
