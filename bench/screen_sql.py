"""The big screen's figures computed the slow way: SQL GROUP BY over the order lines, no Redis.

The baseline of ``bench/queries.py``: the same figures the screen shows
(wholesale summary of every period, 7-day series, hot sellers, station
ranking, ad stats, drivers awaiting pickup), cancelled orders excluded.
"""
from __future__ import annotations

from sqlalchemy import text

DAY = "CAST((created_at AT TIME ZONE :tz) AS date)"
TODAY = "CAST((now() AT TIME ZONE :tz) AS date)"
LIVE = ("NOT EXISTS (SELECT 1 FROM orders c WHERE c.status = 'cancelled' AND c.id = l.order_id "
        "AND c.created_at = l.created_at)")
PERIODS = {"today": f"d = {TODAY}", "week": f"date_trunc('week', d) = date_trunc('week', {TODAY})",
           "month": f"date_trunc('month', d) = date_trunc('month', {TODAY})",
           "year": f"date_trunc('year', d) = date_trunc('year', {TODAY})", "total": "true"}

SUMMARY_LINES = "SELECT " + ", ".join(
    f"coalesce(sum(a) FILTER (WHERE {cond}), 0), coalesce(sum(q) FILTER (WHERE {cond}), 0)"
    for cond in PERIODS.values()) + f" FROM (SELECT {DAY} AS d, amount_cents AS a, quantity AS q FROM order_lines l " \
                                    f"WHERE {LIVE}) x"
SUMMARY_ORDERS = "SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in PERIODS.values()) + \
    f" FROM (SELECT {DAY} AS d FROM orders WHERE status <> 'cancelled') x"
SERIES = f"""
SELECT {DAY} AS d, sum(amount_cents), sum(quantity) FROM order_lines l
WHERE created_at >= CAST({TODAY} - 6 AS timestamp) AT TIME ZONE :tz AND {LIVE} GROUP BY 1 ORDER BY 1"""
TODAY_FROM = f"created_at >= CAST({TODAY} AS timestamp) AT TIME ZONE :tz"
HOT = f"""
SELECT l.product_id, p.sku, p.name, sum(l.amount_cents) AS a, sum(l.quantity) FROM order_lines l
JOIN products p ON p.id = l.product_id WHERE l.{TODAY_FROM} AND {LIVE}
GROUP BY 1, 2, 3 ORDER BY a DESC, 1 LIMIT 8"""
STATIONS = f"""
SELECT s.id, s.name, x.a, x.u, y.n FROM
 (SELECT station_id, sum(amount_cents) AS a, sum(quantity) AS u FROM order_lines l WHERE l.{TODAY_FROM} AND {LIVE}
  GROUP BY 1) x
 JOIN (SELECT station_id, count(*) AS n FROM orders WHERE {TODAY_FROM} AND status <> 'cancelled' GROUP BY 1) y
   USING (station_id)
 JOIN stations s ON s.id = x.station_id ORDER BY x.a DESC, s.id LIMIT 7"""
ADS = """
SELECT a.id, a.title, a.advertiser, count(*) AS plays, a.expected_plays, count(*) * a.price_per_play_cents
FROM ad_plays p JOIN ads a ON a.id = p.ad_id WHERE p.played_at >= CAST(CAST((now() AT TIME ZONE :tz) AS date)
  AS timestamp) AT TIME ZONE :tz GROUP BY a.id ORDER BY plays DESC, a.id LIMIT 5"""
SCREEN_SQL = """
SELECT o.driver_id, d.name, d.car_plate, count(*), min(o.created_at), array_agg(DISTINCT o.station_id),
       g.lat, g.lng, g.recorded_at
FROM orders o JOIN drivers d ON d.id = o.driver_id
LEFT JOIN LATERAL (SELECT lat, lng, recorded_at FROM gps_points WHERE driver_id = o.driver_id
                   ORDER BY recorded_at DESC LIMIT 1) g ON true
WHERE o.status = 'awaiting_pickup' GROUP BY o.driver_id, d.name, d.car_plate, g.lat, g.lng, g.recorded_at"""


def sql_refresh(conn, tz: str) -> None:
    for sql in (SUMMARY_LINES, SUMMARY_ORDERS, SERIES, HOT, STATIONS, ADS, SCREEN_SQL):
        conn.execute(text(sql), {"tz": tz}).all()


# The map's own SQL, read two ways: the table of orders awaiting pickup that the wall reads
# (migration 0008), and the partitioned orders through their partial index, as it read them
# before (one probe per monthly partition, planned over every partition).
_MAP = """
WITH a AS (SELECT driver_id, station_id, count(*) AS n, min(created_at) AS oldest FROM {source} GROUP BY 1, 2)
SELECT d.id, d.name, d.car_plate, CAST(sum(n) AS int), min(oldest), array_agg(station_id ORDER BY station_id)
FROM a JOIN drivers d ON d.id = a.driver_id GROUP BY d.id ORDER BY d.id"""
MAP_SOURCES = {"awaiting_pickups": text(_MAP.format(source="awaiting_pickups")),
               "orders' partial index": text(_MAP.format(
                   source="(SELECT * FROM orders WHERE status = 'awaiting_pickup') AS o"))}
