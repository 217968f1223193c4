"""The station desk's reads (the console's ``/console``): orders awaiting pickup and today's counts.

These come from Postgres, not Redis: the desk acts on single orders, so it
must see each one as committed, the moment after a pickup or a cancel.
``station_id=None`` means every station (admins).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import text

_QUEUE = text("""
SELECT o.id, o.created_at, o.station_id, s.name AS station_name, o.driver_id, d.name AS driver_name,
       d.car_plate, o.total_cents, o.pickup_at,
       (SELECT string_agg(p.name || ' ×' || l.quantity, ', ' ORDER BY p.name)
          FROM order_lines l JOIN products p ON p.id = l.product_id
         WHERE l.order_id = o.id AND l.created_at = o.created_at) AS items
  FROM orders o
  JOIN stations s ON s.id = o.station_id
  JOIN drivers d ON d.id = o.driver_id
 WHERE o.status = 'awaiting_pickup' AND (CAST(:station AS int) IS NULL OR o.station_id = :station)
 ORDER BY o.created_at, o.id
 LIMIT :limit""")

# Orders picked up or cancelled today were created at most pickup_expiry_hours
# before (later ones expire): bounding created_at lets Postgres use the
# (station_id, created_at) index and skip old partitions.
_COUNTS = text("""
SELECT count(*) FILTER (WHERE status = 'awaiting_pickup') AS awaiting,
       count(*) FILTER (WHERE status = 'picked_up' AND picked_up_at >= :day_start AND picked_up_at < :day_end)
           AS picked_up_today,
       count(*) FILTER (WHERE status = 'cancelled' AND cancelled_at >= :day_start AND cancelled_at < :day_end)
           AS cancelled_today
  FROM orders
 WHERE (CAST(:station AS int) IS NULL OR station_id = :station)
   AND (status = 'awaiting_pickup' OR created_at >= :created_after)""")


def pickup_queue(store, station_id: int | None, limit: int = 100) -> list[dict]:
    """Orders awaiting pickup, oldest first, with driver, plate and a line summary."""
    with store.sessions() as session:
        rows = session.execute(_QUEUE, {"station": station_id, "limit": limit}).mappings().all()
    return [dict(row) for row in rows]


def desk_counts(store, station_id: int | None, day: date | None = None) -> dict:
    """``{"awaiting", "picked_up_today", "cancelled_today"}`` for a business day (default today)."""
    tz = store.settings.tz
    day = day or datetime.now(tz).date()
    start = datetime.combine(day, time.min, tz)
    lookback = timedelta(hours=store.settings.pickup_expiry_hours, days=1)
    with store.sessions() as session:
        row = session.execute(_COUNTS, {"station": station_id, "day_start": start,
                                        "day_end": start + timedelta(days=1),
                                        "created_after": start - lookback}).mappings().one()
    return dict(row)


def names(store, station_ids=(), driver_ids=(), skus=(), device_ids=()) -> dict[str, dict]:
    """Labels for the ids on one page of a table: ``{"stations": {id: name}, "drivers": {id: (name, plate)},
    "products": {sku: name}, "devices": {id: serial}}`` (only what was asked for is read)."""
    reads = (("stations", "SELECT id, name FROM stations WHERE id = ANY(:ids)", station_ids),
             ("drivers", "SELECT id, name, car_plate FROM drivers WHERE id = ANY(:ids)", driver_ids),
             ("products", "SELECT sku, name FROM products WHERE sku = ANY(:ids)", skus),
             ("devices", "SELECT id, serial FROM devices WHERE id = ANY(:ids)", device_ids))
    found: dict[str, dict] = {}
    with store.sessions() as session:
        for key, sql, wanted in reads:
            wanted = list({w for w in wanted if w is not None})
            rows = session.execute(text(sql), {"ids": wanted}).all() if wanted else []
            found[key] = {r[0]: (tuple(r[1:]) if len(r) > 2 else r[1]) for r in rows}
    return found
