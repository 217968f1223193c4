"""Places: stations near a point (GEOSEARCH) and the live map of drivers awaiting pickup."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text

from analytics import keys, labels, scripts
from analytics.errors import Invalid, NotFound
from analytics.plan import GEO_MAX_LAT
from analytics.queries.common import check_limit
from analytics.scopes import check_range

EARTH_M = 6372797.560856  # the radius Redis GEO uses, so both distances agree
MAX_RADIUS_KM = 500

_IN_STOCK = text("SELECT s.station_id FROM station_stock s JOIN products p ON p.id = s.product_id "
                 "WHERE p.sku = :sku AND s.on_shelf AND s.quantity > 0 AND s.station_id = ANY(:ids)")
_SKU = text("SELECT 1 FROM products WHERE sku = :sku")
# Per driver and station (a hash aggregate, no sort): the drivers' totals are summed in Python.
_AWAITING = text("""
WITH a AS (SELECT driver_id, station_id, count(*) AS n, min(created_at) AS oldest FROM orders
           WHERE status = 'awaiting_pickup' GROUP BY driver_id, station_id)
SELECT a.driver_id, a.station_id, a.n, a.oldest, d.name, d.car_plate FROM a JOIN drivers d ON d.id = a.driver_id
""")

def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine on Redis's sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a))) / 1000


@dataclass
class _Awaiting:
    driver_id: int
    name: str
    car_plate: str
    pending: int = 0
    oldest: datetime | None = None
    station_ids: list = field(default_factory=list)


def _by_driver(found, station_id: int | None) -> list[_Awaiting]:
    """Per driver: orders awaiting (at ``station_id`` when given), the oldest, every station."""
    drivers: dict[int, _Awaiting] = {}
    for driver_id, station, n, oldest, name, car_plate in found:  # tuples: cheaper than named access
        d = drivers.get(driver_id)
        if d is None:
            d = drivers[driver_id] = _Awaiting(driver_id, name, car_plate)
        d.station_ids.append(station)
        if station_id is None or station == station_id:
            d.pending += n
            d.oldest = oldest if d.oldest is None or oldest < d.oldest else d.oldest
    chosen = [d for _, d in sorted(drivers.items()) if d.pending]
    for d in chosen:
        d.station_ids.sort()
    return chosen


def _positions(store, driver_ids: list[int]) -> list[tuple[float, float, int] | None]:
    """(lng, lat, unix time) of each driver's live position, or None; one script call."""
    if not driver_ids:
        return []
    packed = scripts.call(store.redis, "positions", [keys.drivers_geo(), keys.drivers_seen()],
                          [",".join(map(str, driver_ids))])
    out = []
    for item in packed.split(";"):
        if item:
            lng, lat, seen = item.split(",")
            out.append((round(float(lng), 6), round(float(lat), 6), int(float(seen))))
        else:
            out.append(None)
    return out


def stations_nearby(store, lat: float, lng: float, radius_km: float = 10, limit: int = 20,
                    sku: str | None = None) -> dict:
    """``GET /stations/nearby``: nearest first within ``radius_km``; with ``sku`` only stations
    that have it on the shelf and in stock (read from Postgres: reservations change stock)."""
    if not isinstance(lat, (int, float)) or not -GEO_MAX_LAT <= lat <= GEO_MAX_LAT:
        raise Invalid(f"must be between -{GEO_MAX_LAT} and {GEO_MAX_LAT}", field="lat")
    if not isinstance(lng, (int, float)) or not -180 <= lng <= 180:
        raise Invalid("must be between -180 and 180", field="lng")
    if not isinstance(radius_km, (int, float)) or not 0 < radius_km <= MAX_RADIUS_KM:
        raise Invalid(f"must be above 0 and at most {MAX_RADIUS_KM}", field="radius_km")
    check_limit(limit)
    found = store.redis.geosearch(keys.stations_geo(), longitude=lng, latitude=lat, radius=radius_km, unit="km",
                                  sort="ASC", count=None if sku else limit, withdist=True)
    found = [(int(member), float(dist)) for member, dist in found]
    if sku is not None:
        with store.engine.connect() as conn:
            if conn.execute(_SKU, {"sku": sku}).first() is None:
                raise Invalid(f"unknown sku {sku!r}", field="sku")
            stocked = set(conn.execute(_IN_STOCK, {"sku": sku, "ids": [i for i, _ in found]}).scalars())
        found = [(i, d) for i, d in found if i in stocked]
    found = found[:limit]
    names = labels.get(store, "stations", [i for i, _ in found])
    return {"stations": [{"id": i, "name": names[i]["name"], "address": names[i]["address"],
                          "lat": names[i]["lat"], "lng": names[i]["lng"], "distance_km": round(d, 3)}
                         for i, d in found if i in names]}


def screen_drivers(store, station_id: int | None = None) -> dict:
    """``GET /screen/drivers``: GeoJSON of the drivers with orders awaiting pickup (at that station).

    The orders come from Postgres (the partial index of awaiting orders), the
    positions from the GEO set of live positions.
    """
    if station_id is not None:
        check_range(station_id, 1, 2**31 - 1, "station_id")
    tz = store.settings.tz
    with store.engine.connect() as conn:
        found = conn.execute(_AWAITING).all()
    station = None
    if station_id is not None:
        station = labels.get(store, "stations", [station_id]).get(station_id)
        if station is None:
            raise NotFound(f"station {station_id} does not exist", field="station_id")
    rows = _by_driver(found, station_id)
    positions = _positions(store, [r.driver_id for r in rows])
    features = []
    for row, position in zip(rows, positions):
        geometry, distance, seen = None, None, None
        if position is not None:
            lng, lat, seen = position
            geometry = {"type": "Point", "coordinates": [lng, lat]}
            if station is not None:
                distance = round(distance_km(station["lat"], station["lng"], lat, lng), 3)
        features.append({"type": "Feature", "id": row.driver_id, "geometry": geometry, "properties": {
            "driver_id": row.driver_id, "name": row.name, "car_plate": row.car_plate,
            "pending_orders": row.pending, "oldest_pending_since": row.oldest.astimezone(tz).isoformat(),
            "station_ids": row.station_ids,
            "last_seen_at": datetime.fromtimestamp(seen, tz).isoformat() if seen is not None else None,
            "distance_km": distance}})
    return {"type": "FeatureCollection", "features": features}
