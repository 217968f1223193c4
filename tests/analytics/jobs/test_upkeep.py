"""Upkeep jobs: stale drivers leave the map, keys without a TTL get one, devices online/offline."""
from __future__ import annotations

import json
import time
from collections import namedtuple
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from analytics import keys, periods
from analytics.live.apply import apply_events
from analytics.jobs.upkeep import devices_online, drop_stale_drivers, expire_untimed_keys

Event = namedtuple("Event", "id kind payload")  # an outbox row as the apply reads it
NOW = datetime(2026, 11, 28, 20, 0, tzinfo=timezone.utc)


def _position(store, event_id, driver_id, at):
    apply_events(store, [Event(event_id, "driver_location", {
        "driver_id": driver_id, "lat": 31.23, "lng": 121.47, "recorded_at": at.isoformat()})])


def test_drivers_unseen_too_long_leave_the_live_map(store):
    stale = store.settings.driver_stale_minutes
    _position(store, 1, 7, NOW - timedelta(minutes=stale, seconds=1))
    _position(store, 2, 8, NOW - timedelta(minutes=stale - 1))
    assert drop_stale_drivers(store, NOW) == {"removed": 1}
    assert store.redis.geopos(keys.drivers_geo(), "7", "8")[0] is None
    assert store.redis.geopos(keys.drivers_geo(), "8")[0] is not None
    assert store.redis.zscore(keys.drivers_seen(), "7") is None
    assert store.redis.hkeys(keys.drivers_positions()) == ["8"]
    # a driver who reports again is back on the map
    _position(store, 3, 7, NOW)
    assert drop_stale_drivers(store, NOW) == {"removed": 0}
    assert store.redis.geopos(keys.drivers_geo(), "7")[0] is not None


def test_many_stale_drivers_go_in_batches(store):
    old = NOW - timedelta(days=1)
    store.redis.zadd(keys.drivers_seen(), {str(i): old.timestamp() for i in range(1, 2501)})
    store.redis.geoadd(keys.drivers_geo(), [v for i in range(1, 2501) for v in (121.4, 31.2, str(i))])
    assert drop_stale_drivers(store, NOW) == {"removed": 2500}
    assert store.redis.zcard(keys.drivers_geo()) == 0


def _expires_at(store, key) -> int:
    """EXPIRETIME for Redis 6.2 too: the TTL from now, to the second."""
    return round(time.time() + store.redis.pttl(key) / 1000)


def test_time_bucketed_keys_without_ttl_get_their_bucket_expiry(store):
    tz = store.settings.tz
    day = keys.totals("p", "retail", "day:2026-11-27")
    week = keys.product_rank("s:3", "wholesale", "amount", "week:2026-W48")
    total = keys.totals("p", "retail", "total")
    bitmap = keys.checkins(7, 2026)
    store.redis.hset(day, "amount", 100)
    store.redis.zadd(week, {"5": 300})
    store.redis.hset(total, "amount", 100)
    store.redis.setbit(bitmap, 3, 1)
    store.redis.set("bf:{p}:unrelated", "x")
    timed = keys.totals("p", "retail", "day:2026-11-28")
    store.redis.hset(timed, "amount", 1)
    store.redis.expire(timed, 60)

    result = expire_untimed_keys(store, NOW)
    assert result["fixed"] == 3 and result["scanned"] >= 6
    assert _expires_at(store, day) == periods.expire_at("day", "2026-11-27", tz)
    assert _expires_at(store, week) == periods.expire_at("week", "2026-W48", tz)
    assert _expires_at(store, bitmap) == periods.expire_at("year", "2026", tz)
    assert store.redis.ttl(total) == -1 and store.redis.ttl("bf:{p}:unrelated") == -1  # kept for ever
    assert 0 < store.redis.ttl(timed) <= 60  # a key with a TTL keeps it
    assert expire_untimed_keys(store, NOW)["fixed"] == 0


def test_devices_online_counts_and_announces_who_went_offline(store, api):
    driver = api.driver()
    ids = [api.device(driver["id"])["id"] for _ in range(3)]
    window = store.settings.device_online_seconds
    seen = {ids[0]: NOW - timedelta(seconds=10), ids[1]: NOW - timedelta(seconds=window - 20)}
    with store.transaction() as session:
        for device_id, at in seen.items():
            session.execute(text("UPDATE devices SET last_seen_at = :t WHERE id = :id"), {"t": at, "id": device_id})
    pubsub = store.redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.channel())
    pubsub.get_message(timeout=5.0)  # the subscription is in place
    assert devices_online(store, NOW) == {"online": 2, "total": 3, "went_offline": 0}
    # 30 s later the second device's last sign of life is older than the window: it went offline
    assert devices_online(store, NOW + timedelta(seconds=30)) == {"online": 1, "total": 3, "went_offline": 1}
    messages = []
    while (message := pubsub.get_message(timeout=2.0)) is not None:
        messages.append(json.loads(message["data"]))
    pubsub.close()
    assert messages == [{"kind": "devices", "online": 2, "total": 3, "went_offline": []},
                        {"kind": "devices", "online": 1, "total": 3, "went_offline": [ids[1]]}]
    # nothing changed: nothing announced, counts still recorded
    assert devices_online(store, NOW + timedelta(seconds=31)) == {"online": 1, "total": 3, "went_offline": 0}
