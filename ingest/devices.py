"""Device heartbeats (activation, online, last position) and stock reads."""
from __future__ import annotations

from sqlalchemy import select, text

from ingest import stock
from ingest.errors import NotFound
from ingest.timing import iso, utcnow
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
