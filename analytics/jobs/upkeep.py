"""Small scheduled upkeep of the live figures: stale drivers, keys without a TTL, devices online.

Each is a job function ``func(store, now) -> dict`` (see ``commands/scheduler.py``).
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import text

from analytics import keys, periods, scripts
from store import jobruns

STALE_BATCH = 1000  # members per script call (Lua's unpack has a limit)
SCAN_COUNT = 1000
# A time-bucketed key ends in its bucket; a driver's check-in bitmap in its year.
_BUCKET = re.compile(r":(day|week|month|year):(\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?)$")
_CHECKIN = re.compile(r":checkin:(\d{4})$")
DEVICES_CHECKED = "devices_checked_at"


def drop_stale_drivers(store, now: datetime) -> dict:
    """Drivers unseen for ``driver_stale_minutes`` leave the live map (their GPS history stays in Postgres)."""
    cutoff = int((now - timedelta(minutes=store.settings.driver_stale_minutes)).timestamp())
    scripts.load_script(store.redis, "stale")
    removed = 0
    while True:
        count = scripts.call(store.redis, "stale", [keys.drivers_geo(), keys.drivers_seen(), keys.drivers_positions()],
                             [cutoff, STALE_BATCH])
        removed += count
        if count < STALE_BATCH:
            return {"removed": removed}


def bucket_of(key: str) -> tuple[str, str] | None:
    """``(period, period key)`` of a time-bucketed key, None for any other key."""
    match = _BUCKET.search(key)
    if match:
        period, pkey = match.groups()
        expected = {"day": 10, "week": 8, "month": 7, "year": 4}[period]
        return (period, pkey) if len(pkey) == expected else None
    match = _CHECKIN.search(key)
    return ("year", match.group(1)) if match else None


def expire_untimed_keys(store, now: datetime) -> dict:
    """Give every time-bucketed key without a TTL the expiry its bucket calls for.

    The apply sets expiries as it writes, so a key without one is a leftover
    (an old version, a hand edit, a crashed rebuild's staging key). SCAN on
    every primary (a cluster client scans all of them), TTL in pipelines.
    """
    client, tz = store.redis, store.settings.tz
    scanned = fixed = 0
    batch: list[str] = []

    def flush():
        nonlocal fixed
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.ttl(key)
        ttls = pipe.execute()
        pipe = client.pipeline(transaction=False)
        for key, ttl in zip(batch, ttls):
            if ttl == -1:  # -2: gone meanwhile; >= 0: has one
                period, pkey = bucket_of(key)
                pipe.expireat(key, periods.expire_at(period, pkey, tz))
                fixed += 1
        pipe.execute()
        batch.clear()

    for key in client.scan_iter(match=keys.everything(), count=SCAN_COUNT):
        scanned += 1
        if bucket_of(key) is not None:
            batch.append(key)
            if len(batch) >= SCAN_COUNT:
                flush()
    if batch:
        flush()
    return {"scanned": scanned, "fixed": fixed}


_DEVICES = text("""
SELECT count(*) AS total,
       count(*) FILTER (WHERE last_seen_at >= :online_since) AS online,
       coalesce(array_agg(id ORDER BY id) FILTER (WHERE last_seen_at >= :previous_since
                                                   AND last_seen_at < :online_since), '{}') AS went_offline
FROM devices
""")


def devices_online(store, now: datetime) -> dict:
    """Count the devices online (last heartbeat or purchase within ``device_online_seconds``).

    Online is worked out from ``devices.last_seen_at`` whenever it is read,
    so nothing here can go stale. This job adds what reading cannot: the
    devices that *went* offline since its last run (their last sign of life
    crossed the threshold in between), announced on the live event channel
    with the counts, for consoles that show the fleet without polling; the
    counts also land in the run record (/readyz, /metrics).
    """
    window = timedelta(seconds=store.settings.device_online_seconds)
    with store.sessions() as session:
        previous = json.loads(jobruns.get_marker(session, DEVICES_CHECKED) or "{}")
    previous_at = min(datetime.fromisoformat(previous["at"]), now) if previous else now
    with store.transaction() as session:
        row = session.execute(_DEVICES, {"online_since": now - window, "previous_since": previous_at - window}).one()
        state = {"at": now.isoformat(), "online": row.online, "total": row.total}
        jobruns.set_marker(session, DEVICES_CHECKED, json.dumps(state), now)
    went_offline = list(row.went_offline)
    if went_offline or (row.online, row.total) != (previous.get("online"), previous.get("total")):
        message = {"kind": "devices", "online": row.online, "total": row.total, "went_offline": went_offline}
        store.redis.publish(keys.channel(), json.dumps(message, separators=(",", ":")))
    return {"online": row.online, "total": row.total, "went_offline": len(went_offline)}
