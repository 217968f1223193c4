"""CSV report benchmark: export a million order lines through the API and watch the process's memory.

    python bench/reports.py [--lines 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                            [--keep] [--baseline]

Creates ``bf_bench_reports_<hex>`` on the given PostgreSQL (default: the
machine's), loads stations, products, drivers and ``--lines`` order lines with
server-side ``INSERT ... SELECT`` (no client memory), then downloads
``/api/v1/reports/orders.csv`` and ``sales.csv`` through the app in this
process, as a WSGI server would (chunk by chunk, nothing kept). Prints rows/s,
MB/s and the growth of this process's resident memory during each download
(sampled every 5 ms, peak minus the value before the request). ``--baseline``
also times the naive way (all rows fetched into pandas, then ``to_csv``) for
the ratio. The database is dropped at the end unless ``--keep``.
"""
from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ADMIN_TOKEN = "bench-reports-admin-" + secrets.token_hex(8)
LINES_PER_ORDER = 4
RANGE = "from=2026-01-01&to=2026-12-31"

LOAD = [
    "INSERT INTO stations (name, address, lat, lng) SELECT '供应站 Station ' || g, g || ' Bench Road',"
    " 31 + g / 1000.0, 121 + g / 1000.0 FROM generate_series(1, 50) g",
    "INSERT INTO products (sku, name, category, retail_price_cents, supply_price_cents)"
    " SELECT 'SKU-' || g, '商品 Product ' || g, 'snacks', 300 + g, 200 + g FROM generate_series(1, 200) g",
    "INSERT INTO drivers (name, car_plate) SELECT '司机 Driver ' || g, '沪A' || lpad(g::text, 5, '0')"
    " FROM generate_series(1, 2000) g",
    # Orders spread evenly over 2026-01-01 .. 2026-11-26 (330 days); one in ten cancelled.
    "INSERT INTO orders (id, created_at, request_id, station_id, driver_id, status, total_cents, units, payment_method)"
    " SELECT 'o' || g, timestamptz '2026-01-01 00:00+08' + g * (330 * 86400.0 / :orders) * interval '1 second',"
    " 'r' || g, 1 + g % 50, 1 + (g * 7) % 2000,"
    " CASE g % 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'awaiting_pickup' ELSE 'picked_up' END, 0, 0, 'alipay'"
    " FROM generate_series(1, :orders) g",
    "INSERT INTO order_lines (order_id, created_at, product_id, station_id, driver_id, quantity,"
    " unit_price_cents, amount_cents)"
    " SELECT o.id, o.created_at, 1 + (substr(o.id, 2)::int * 4 + k) % 200, o.station_id, o.driver_id,"
    " 1 + (substr(o.id, 2)::int + k) % 24, 200 + 1 + (substr(o.id, 2)::int * 4 + k) % 200,"
    " (1 + (substr(o.id, 2)::int + k) % 24) * (200 + 1 + (substr(o.id, 2)::int * 4 + k) % 200)"
    " FROM orders o CROSS JOIN generate_series(0, 3) k",
]


class PeakRss:
    """Samples this process's RSS every 5 ms while active; ``growth`` = peak − value at start."""

    def __init__(self):
        self.proc = psutil.Process()
        self.start = self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.start = self.peak = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def download(client, url: str) -> tuple[int, int, float, float]:
    """(rows, bytes, seconds, RSS growth MB) of one streamed download, nothing kept."""
    with PeakRss() as rss:
        started = time.perf_counter()
        response = client.get(url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, buffered=False)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        rows = size = 0
        try:
            for chunk in response.response:
                rows += chunk.count(b"\n")
                size += len(chunk)
        finally:
            response.close()
        seconds = time.perf_counter() - started
    return rows - 1, size, seconds, rss.growth_mb  # minus the header row


def report(name: str, rows: int, size: int, seconds: float, growth: float) -> None:
    print(f"{name:<44} {rows:>10,} rows  {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s  "
          f"{size / seconds / 2**20:6.1f} MB/s  peak RSS growth {growth:6.1f} MB", flush=True)


def baseline(store, lines: int) -> None:
    """The naive export: every row in memory (pandas), then written out."""
    import io

    import pandas as pd

    from analytics.reports import build_spec
    from analytics.reports.sql import lines_sql, params

    spec = build_spec(kind="wholesale", start=date(2026, 1, 1), end=date(2026, 12, 31))
    sql, _ = lines_sql(spec)
    with PeakRss() as rss:
        started = time.perf_counter()
        with store.engine.connect() as conn:
            frame = pd.read_sql_query(text(sql.replace("%(tz)s", ":tz").replace("%(start)s", ":start")
                                           .replace("%(end)s", ":end")), conn, params=params(spec, store.settings.tz))
        out = io.StringIO()
        frame.to_csv(out, index=False)
        size = len(out.getvalue().encode())
        del frame, out
        seconds = time.perf_counter() - started
    report("baseline: pandas.read_sql + to_csv (orders)", lines, size, seconds, rss.growth_mb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an admin URL of the PostgreSQL server to create the bench database on")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="unused by reports; the app needs one")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--baseline", action="store_true", help="also time the all-in-memory export")
    args = parser.parse_args()

    name = f"bf_bench_reports_{secrets.token_hex(4)}"
    admin = make_url(args.database_url).set(drivername="postgresql")
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    app = None
    try:
        from app import create_app
        from store import get_store
        from store.migrate import upgrade
        from store.partitions import ensure_partitions

        app = create_app({"database_url": admin.set(database=name).render_as_string(hide_password=False),
                          "redis_url": args.redis_url, "admin_token": ADMIN_TOKEN,
                          "secret_key": secrets.token_hex(16)}, dashboard=False)
        store = get_store(app)
        upgrade(store.engine)
        orders = args.lines // LINES_PER_ORDER
        started = time.perf_counter()
        with store.engine.begin() as conn:
            ensure_partitions(conn, date(2025, 12, 1), date(2027, 1, 1))
            for sql in LOAD:
                conn.execute(text(sql), {"orders": orders})
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        loaded = time.perf_counter() - started
        print(f"database {name}: {orders * LINES_PER_ORDER:,} order lines in {orders:,} orders loaded "
              f"in {loaded:.1f} s", flush=True)
        print(f"process RSS before the exports: {psutil.Process().memory_info().rss / 2**20:.1f} MB", flush=True)

        client = app.test_client()
        report("orders.csv (one row per line)", *download(client, f"/api/v1/reports/orders.csv?{RANGE}"))
        report("orders.csv again (warm cache)", *download(client, f"/api/v1/reports/orders.csv?{RANGE}"))
        report("sales.csv group_by=day,station,product,driver",
               *download(client, f"/api/v1/reports/sales.csv?{RANGE}&group_by=day,station,product,driver"))
        report("sales.csv group_by=day,station",
               *download(client, f"/api/v1/reports/sales.csv?{RANGE}&group_by=day,station"))
        if args.baseline:
            baseline(store, orders * LINES_PER_ORDER)
    finally:
        if app is not None:
            get_store(app).close()
        if not args.keep:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
