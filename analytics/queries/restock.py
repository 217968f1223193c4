"""``GET /devices/{id}/restock``: what a device runs out of first, how much to load, and where.

Velocity is the sku's units sold on the device over the 28 closed business
days before today (today is not over: counting it would understate every
sku each morning), divided by 28. Cover is the stock over that velocity;
the suggestion brings it to ``restock_target_days`` of cover. The stations are
the three nearest to the driver's live position (the GEO set of positions; the
device's last heartbeat position when the driver has none) that have the sku
on the shelf and in stock: distances from Redis GEO, stock from Postgres (a
reservation changes it without an event).
"""
from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from sqlalchemy import text

from analytics import keys, periods
from analytics.catalogue import labels
from analytics.errors import NotFound
from analytics.queries.places import _positions

WINDOW_DAYS = 28
STATIONS_PER_SKU = 3
EARTH_HALF_CIRCUMFERENCE_KM = 20038  # a GEOSEARCH radius that reaches every station

_DEVICE = text("SELECT driver_id, last_lat, last_lng FROM devices WHERE id = :device")
_VELOCITY = text("""
WITH stock AS (SELECT product_id, quantity FROM device_stock WHERE device_id = :device),
     sold AS (SELECT l.product_id, sum(l.quantity) AS units
              FROM purchases pu JOIN purchase_lines l ON l.purchase_id = pu.id AND l.occurred_at = pu.occurred_at
              WHERE pu.device_id = :device AND pu.occurred_at >= :since AND pu.occurred_at < :until
                AND l.occurred_at >= :since AND l.occurred_at < :until
              GROUP BY l.product_id)
SELECT p.id, p.sku, p.name, coalesce(stock.quantity, 0) AS quantity, coalesce(sold.units, 0) AS units
FROM stock FULL JOIN sold USING (product_id) JOIN products p ON p.id = product_id
""")
_ON_SHELF = text("SELECT product_id, station_id, quantity FROM station_stock "
                 "WHERE product_id = ANY(:products) AND on_shelf AND quantity > 0")


def window(tz, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The 28 closed business days before today, as [since, until)."""
    today = periods.today(tz, now)
    until = datetime.combine(today, time(), tzinfo=tz)
    return datetime.combine(today - timedelta(days=WINDOW_DAYS), time(), tzinfo=tz), until


def suggestion(quantity: int, units: int, target_days: int) -> tuple[float, float | None, int]:
    """(units per day, days of cover, suggested quantity) from the stock and the window's units."""
    per_day = units / WINDOW_DAYS
    if per_day == 0:
        return 0.0, None, 0
    cover = max(quantity, 0) / per_day
    return round(per_day, 3), round(cover, 2), max(0, math.ceil(per_day * target_days) - quantity)


def device_restock(store, device_id: int, now: datetime | None = None) -> dict:
    tz = store.settings.tz
    since, until = window(tz, now)
    with store.engine.connect() as conn:
        device = conn.execute(_DEVICE, {"device": device_id}).first()
        if device is None:
            raise NotFound(f"device {device_id} does not exist", field="id")
        rows = conn.execute(_VELOCITY, {"device": device_id, "since": since, "until": until}).all()
        shelves: dict[int, dict[int, int]] = {}
        for product_id, station_id, quantity in conn.execute(_ON_SHELF, {"products": [r.id for r in rows]}):
            shelves.setdefault(product_id, {})[station_id] = quantity
    nearest = _stations_by_distance(store, device)
    names = labels.get(store, "stations", {sid for sid, _ in nearest if any(sid in s for s in shelves.values())})
    items = []
    for row in rows:
        per_day, cover, suggested = suggestion(row.quantity, row.units, store.settings.restock_target_days)
        stocked = shelves.get(row.id, {})
        stations = [{"id": sid, "name": names[sid]["name"], "distance_km": round(dist, 3), "quantity": stocked[sid]}
                    for sid, dist in nearest if sid in stocked and sid in names][:STATIONS_PER_SKU]
        items.append({"sku": row.sku, "name": row.name, "quantity": row.quantity, "units_per_day": per_day,
                      "days_of_cover": cover, "suggested_quantity": suggested, "stations": stations})
    # worst cover first; skus that do not sell (no cover to speak of) last
    items.sort(key=lambda i: (i["days_of_cover"] is None, i["days_of_cover"] or 0, i["sku"]))
    return {"device_id": device_id, "items": items}


def _stations_by_distance(store, device) -> list[tuple[int, float]]:
    """Every station, nearest first, from the driver's live position (else the device's last one)."""
    (position,) = _positions(store, [device.driver_id])
    if position is not None:
        lng, lat, _ = position
    elif device.last_lat is not None and device.last_lng is not None:
        lat, lng = device.last_lat, device.last_lng
    else:
        return []
    found = store.redis.geosearch(keys.stations_geo(), longitude=lng, latitude=lat,
                                  radius=EARTH_HALF_CIRCUMFERENCE_KM, unit="km", sort="ASC", withdist=True)
    return [(int(member), float(dist)) for member, dist in found]
