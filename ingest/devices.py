"""Device heartbeats (activation, online, last position) and stock reads."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from ingest import stock
from ingest.errors import NotFound
from ingest.timing import iso, utcnow
from store import outbox
from store.models import Device

_HEARTBEAT = text(
    "UPDATE devices SET activated_at = coalesce(activated_at, now()), last_seen_at = now(), "
    "last_lat = coalesce(:lat, last_lat), last_lng = coalesce(:lng, last_lng) WHERE id = :device RETURNING id")


def heartbeat(store, device_id: int, lat: float | None = None, lng: float | None = None) -> dict:
    """The first heartbeat activates the device; each one keeps it online."""
    with store.transaction() as session:
        if session.execute(_HEARTBEAT, {"device": device_id, "lat": lat, "lng": lng}).first() is None:
            raise NotFound(f"device {device_id} does not exist", field="device_id")
    return {"device_id": device_id, "activated": True, "online": True,
            "server_time": iso(utcnow(), store.settings.tz)}


def device_owner(session, device_id: int) -> int:
    driver_id = session.execute(select(Device.driver_id).where(Device.id == device_id)).scalar()
    if driver_id is None:
        raise NotFound(f"device {device_id} does not exist", field="id")
    return driver_id


def device_stock(session, device_id: int) -> dict:
    return {"items": stock.device_stock(session, device_id)}


def stocked_devices(session) -> set[int]:
    """Devices holding at least one unit of anything (the console flags the others: nothing to sell)."""
    return set(session.execute(text("SELECT DISTINCT device_id FROM device_stock WHERE quantity > 0")).scalars())


_PRESENCE = text("""
UPDATE devices SET announced_online = (last_seen_at >= :online_since)
WHERE activated_at IS NOT NULL AND last_seen_at IS NOT NULL
  AND announced_online IS DISTINCT FROM (last_seen_at >= :online_since)
RETURNING id, driver_id, announced_online, last_seen_at""")


def announce_presence(store, now) -> list:
    """``device_online`` / ``device_offline`` events for the devices whose presence changed since the
    last announcement (the scheduler's ``device_presence`` job); the row update and its event are one
    transaction, so a device's events alternate and commit in id order."""
    since = now - timedelta(seconds=store.settings.device_online_seconds)
    tz = store.settings.tz
    with store.transaction() as session:
        rows = session.execute(_PRESENCE, {"online_since": since}).all()
        events = []
        for online in (True, False):
            payloads = [{"device_id": r.id, "driver_id": r.driver_id, "online": online,
                         "last_seen_at": iso(r.last_seen_at, tz)}
                        for r in sorted(rows, key=lambda r: r.id) if r.announced_online is online]
            events += outbox.write(session, "device_online" if online else "device_offline", payloads)
        return events
