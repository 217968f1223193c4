"""The rebuild: every figure again from Postgres, equal to the live figures, even while ingest runs."""
from __future__ import annotations

import random

import pytest

import analytics
from analytics import keys, periods
from analytics.rebuild import build as rebuild_module
from analytics.rebuild import rebuild
from tests.analytics.compare import assert_equal_to_truth
from tests.analytics.traffic import ago, build_fleet, random_cart


def traffic(fleet, rng, purchases=30, orders=12, cancels=4):
    placed = []
    for _ in range(purchases):
        device = rng.choice(fleet.devices)
        fleet.purchase(device, random_cart(rng, fleet), occurred_at=ago(days=rng.choice([0, 0, 1, 6, 25]),
                                                                         minutes=rng.randint(0, 600)))
    for _ in range(orders):
        driver = rng.choice(fleet.drivers)
        items = [(rng.choice(fleet.stations)["id"], sku, q) for sku, q in random_cart(rng, fleet)]
        items = list({(s, k): (s, k, q) for s, k, q in items}.values())
        placed += [o["id"] for o in fleet.order(driver, items)["orders"]]
    for order_id in rng.sample(placed, cancels):
        fleet.cancel(order_id)
    fleet.ad_plays(rng.choice(fleet.devices), [(rng.choice(fleet.ads)["id"], ago(days=rng.randint(0, 9)))
                                              for _ in range(15)])


@pytest.fixture
def fleet(api):
    return build_fleet(api)


def counted(store) -> dict:
    """Every counted figure key with its content (what the rebuild replaces)."""
    out = {}
    for key in store.redis.scan_iter("bf:{*"):
        if any(part in key for part in (":tot:", ":prod:", ":stn", ":drv", ":ads:")):
            kind = store.redis.type(key)
            out[key] = store.redis.hgetall(key) if kind == "hash" else dict(store.redis.zrange(key, 0, -1,
                                                                                            withscores=True))
    return out


def test_rebuild_after_flush_restores_every_figure(fleet, store):
    traffic(fleet, random.Random(4))
    live = counted(store)
    assert live and not analytics.has_full_build(store)
    store.redis.flushdb()
    result = rebuild(store)
    assert analytics.has_full_build(store)
    assert result["pending_at_snapshot"] == 0 and result["reapplied"] == 0 and result["lines"] > 0
    assert counted(store) == live
    assert_equal_to_truth(store)
    today = periods.today(store.settings.tz).isoformat()  # the business day, not the UTC date of ago()
    assert store.redis.ttl(keys.totals("p", "wholesale", "day:" + today)) > 300 * 86400
    # the catalogue is back too: map, search, positions
    assert analytics.queries.stations_nearby(store, 31.2, 121.4, 50, 10)["stations"]
    assert analytics.queries.products_search(store, fleet.products[0]["sku"], 5)["items"]


def test_rebuild_over_live_figures_changes_nothing_and_can_run_again(fleet, store):
    traffic(fleet, random.Random(5))
    live = counted(store)
    rebuild(store)
    rebuild(store)
    assert counted(store) == live


def test_events_during_the_rebuild_are_neither_lost_nor_doubled(fleet, store, monkeypatch):
    """Ingest goes on at each step of the rebuild: before the snapshot's figures are staged,
    while they are, and between the swap and the re-apply."""
    rng = random.Random(6)
    traffic(fleet, rng, purchases=10, orders=5, cancels=2)
    original_lane, original_swap = rebuild_module._stage_lane, rebuild_module.swap

    def stage_while_selling(store, path, lane, *args, **kw):
        if lane == "days":  # one lane sells (the test client serves one request at a time)
            traffic(fleet, rng, purchases=5, orders=3, cancels=1)  # after the snapshot, applied to the old keys
        return original_lane(store, path, lane, *args, **kw)

    def swap_then_sell(*args, **kw):
        traffic(fleet, rng, purchases=3, orders=2, cancels=1)  # before the swap of each scope
        original_swap(*args, **kw)
        traffic(fleet, rng, purchases=3, orders=2, cancels=1)  # after the swap, before the re-apply

    monkeypatch.setattr(rebuild_module, "_stage_lane", stage_while_selling)
    monkeypatch.setattr(rebuild_module, "swap", swap_then_sell)
    result = rebuild(store)
    assert result["reapplied"] > 0
    assert_equal_to_truth(store)


def test_a_swap_slower_than_ingests_redis_timeout_still_lands(fleet, store, monkeypatch):
    """A second rebuild of a long history swapped for longer than ingest's 1 s socket timeout and
    failed on it; here Redis holds the swap's scripts for 1.5 s (CLIENT PAUSE WRITE pauses EVALSHA)."""
    from store.redis import SOCKET_TIMEOUT

    traffic(fleet, random.Random(7))
    live = counted(store)
    original_swap = rebuild_module.swap

    def slow_server_swap(*args, **kw):
        assert SOCKET_TIMEOUT < 1.5  # the store's client would give up waiting
        store.redis.execute_command("CLIENT", "PAUSE", 1500, "WRITE")
        original_swap(*args, **kw)

    monkeypatch.setattr(rebuild_module, "swap", slow_server_swap)
    rebuild(store)
    rebuild(store)  # the second one replaces live keys (the case that timed out)
    assert counted(store) == live


def test_events_pending_in_the_snapshot_are_counted_once(fleet, store):
    """Applied to Redis but never marked (a crash), or never applied at all (Redis was down)."""
    from sqlalchemy import text

    from analytics.live import marks

    traffic(fleet, random.Random(7), purchases=8, orders=4, cancels=1)
    marks.flush(store)  # the marks still collected are written now, not after the next line
    with store.engine.begin() as conn:  # as if every mark had been lost
        conn.execute(text("UPDATE outbox SET applied_at = NULL"))
    store.redis.delete(*store.redis.keys("bf:{p}:ev:*")[:3])  # ...and some platform dedupe keys too
    result = rebuild(store)
    assert result["pending_at_snapshot"] > 0
    assert analytics.replay_outbox(store)["applied"] == 0  # the rebuild marked them
    assert_equal_to_truth(store)


def test_since_rebuilds_recent_periods_and_totals_only(fleet, store):
    from datetime import timedelta


    traffic(fleet, random.Random(8))
    live = counted(store)
    today = periods.today(store.settings.tz)
    # The day of the oldest sales (25 days and up to 10 hours ago: which business day that is depends on the hour)
    prefix, cutoff = keys.totals("p", "retail", "day:"), (today - timedelta(days=20)).isoformat()
    old_day = max(k for k in live if k.startswith(prefix) and k[len(prefix):] < cutoff)
    store.redis.hset(old_day, "amount", 1)  # a figure before --since: left alone
    store.redis.hset(keys.totals("p", "retail", "total"), "amount", 1)  # the totals: redone
    rebuild(store, since=today - timedelta(days=2))
    after = counted(store)
    assert after[old_day]["amount"] == "1"
    after[old_day] = live[old_day]
    assert after == live
