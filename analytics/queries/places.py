"""Places: stations near a point (GEOSEARCH) and the live map of drivers awaiting pickup."""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import text

from analytics import keys
from analytics.catalogue import labels
from analytics.errors import Invalid, NotFound
from analytics.queries.common import check_limit
from analytics.queries.scopes import check_range

EARTH_M = 6372797.560856  # the radius Redis GEO uses, so both distances agree
MAX_RADIUS_KM = 500

_IN_STOCK = text("SELECT s.station_id FROM station_stock s JOIN products p ON p.id = s.product_id "
                 "WHERE p.sku = :sku AND s.on_shelf AND s.quantity > 0 AND s.station_id = ANY(:ids)")
_SKU = text("SELECT 1 FROM products WHERE sku = :sku")
# Per driver: orders awaiting (at :station when given), the oldest, and every station with some.
# awaiting_pickups holds only the orders awaiting pickup (a trigger on orders keeps it), so this
# costs what the map shows, however many months of orders lie behind it.
_AWAITING = text("""
WITH a AS (SELECT driver_id, station_id, count(*) AS n, min(created_at) AS oldest FROM awaiting_pickups
           GROUP BY driver_id, station_id),
     here AS (SELECT *, CAST(:station AS int) IS NULL OR station_id = :station AS chosen FROM a)
SELECT d.id, d.name, d.car_plate, CAST(sum(n) FILTER (WHERE chosen) AS int) AS pending,
       min(oldest) FILTER (WHERE chosen) AS oldest, array_agg(station_id ORDER BY station_id) AS station_ids
FROM here JOIN drivers d ON d.id = here.driver_id
GROUP BY d.id HAVING bool_or(chosen) ORDER BY d.id
""")


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine on Redis's sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a))) / 1000


def _positions(store, driver_ids: list[int]) -> list[tuple[float, float, int] | None]:
    """(lng, lat, unix time) of each driver's live position, or None: one HMGET."""
    if not driver_ids:
        return []
    out = []
    for packed in store.redis.hmget(keys.drivers_positions(), driver_ids):
        if packed:
            lng, lat, seen = packed.split(",")
            out.append((round(float(lng), 6), round(float(lat), 6), int(seen)))
        else:
            out.append(None)
    return out


def stations_nearby(store, lat: float, lng: float, radius_km: float = 10, limit: int = 20,
                    sku: str | None = None) -> dict:
    """``GET /stations/nearby``: nearest first within ``radius_km``; with ``sku`` only stations
    that have it on the shelf and in stock (read from Postgres: reservations change stock)."""
    if not isinstance(lat, (int, float)) or not -keys.GEO_MAX_LAT <= lat <= keys.GEO_MAX_LAT:
        raise Invalid(f"must be between -{keys.GEO_MAX_LAT} and {keys.GEO_MAX_LAT}", field="lat")
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

    The orders come from Postgres (``awaiting_pickups``, the orders awaiting pickup), the
    positions from the GEO set of live positions.
    """
    if station_id is not None:
        check_range(station_id, 1, 2**31 - 1, "station_id")
    tz = store.settings.tz
    station = None
    if station_id is not None:
        station = labels.get(store, "stations", [station_id]).get(station_id)
        if station is None:
            raise NotFound(f"station {station_id} does not exist", field="station_id")
    with store.engine.connect() as conn:
        rows = conn.execute(_AWAITING, {"station": station_id}).all()
    positions = _positions(store, [row[0] for row in rows])
    features = []
    for (driver_id, name, car_plate, pending, oldest, station_ids), position in zip(rows, positions):
        geometry, distance, seen = None, None, None
        if position is not None:
            lng, lat, seen = position
            geometry = {"type": "Point", "coordinates": [lng, lat]}
            if station is not None:
                distance = round(distance_km(station["lat"], station["lng"], lat, lng), 3)
        features.append({"type": "Feature", "id": driver_id, "geometry": geometry, "properties": {
            "driver_id": driver_id, "name": name, "car_plate": car_plate,
            "pending_orders": pending, "oldest_pending_since": oldest.astimezone(tz).isoformat(),
            "station_ids": station_ids,
            "last_seen_at": datetime.fromtimestamp(seen, tz).isoformat() if seen is not None else None,
            "distance_km": distance}})
    return {"type": "FeatureCollection", "features": features}
