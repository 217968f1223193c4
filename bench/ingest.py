"""Ingest benchmark: the app under a WSGI server, driven over keep-alive HTTP from this process,
every figure beside pgbench's two-row transaction on the same Postgres in the same run.

    python bench/ingest.py [--seconds 30] [--server gunicorn|granian] [--workers 2] [--threads 16]
                           [--connections 16] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                           [--redis-url redis://...] [--without-redis]

Prints, in order: pgbench's tps (8 clients; the reference of every ratio);
server CPU per ``GET /healthz`` of an empty Flask app and of this app on the
same server; single purchases/s sustained (closed loop) and purchases per group
commit; p50/p99 latency at a fixed 300/s and at a fixed 0.25 x pgbench's tps
(open loop, measured from the scheduled send time); batch-upload purchases/s
(batches of 500); each with the CPU per purchase of the app, Postgres and
Redis. A fresh database is created on the given PostgreSQL server (default: an
embedded one) and dropped at the end; Redis is a private redis-server on a
free port unless ``--redis-url`` is given. The machine's cores swing in speed:
compare the ratios and the CPU figures, not absolute rates across runs.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.servers import (ADMIN_TOKEN, SERVERS, BenchServers, add_server_arguments, free_port, healthz,  # noqa: E402
                           start_empty_app, tree_cpu)

SKUS = [f"BENCH-{n:02d}" for n in range(20)]


def seed(post, devices: int, stock: int = 0) -> list[str]:
    """Products, then drivers with one device each; returns the device tokens.

    ``post(path, body, token=None)``: a POST under ``/api/v1`` as the admin (or as ``token``) returning
    the JSON reply (over HTTP here, through Flask's test client in bench/app_cpu.py). ``stock``: units of
    every sku each device starts with, restocked the way drivers do (an order at a station, picked up),
    so that sales do not all run below zero (each such sale is a stock-out alert rewritten)."""
    for n, sku in enumerate(SKUS):
        post("/products", {"sku": sku, "name": f"Bench product {n}", "retail_price_cents": 300 + n,
                           "supply_price_cents": 200 + n})
    per_station = 1_000_000 // stock if stock else 0  # a station's shelf holds at most 1,000,000 of a sku
    tokens, station = [], None
    for n in range(devices):
        driver = post("/drivers", {"name": f"Bench driver {n}", "car_plate": f"B{n:05d}"})
        device = post("/devices", {"serial": f"BENCH-{n:05d}", "driver_id": driver["id"]})
        tokens.append(device["api_key"])
        if not stock:
            continue
        if n % per_station == 0:
            station = post("/stations", {"name": f"Bench station {n // per_station}", "address": "Bench road 1",
                                         "lat": 31.2, "lng": 121.4})
            post(f"/stations/{station['id']}/stock", {"items": [
                {"sku": sku, "quantity": stock * min(per_station, devices - n), "on_shelf": True} for sku in SKUS]},
                method="PUT")
        cart = {"items": [{"station_id": station["id"], "sku": sku, "quantity": stock} for sku in SKUS],
                "payment": {"method": "alipay", "reference": f"bench-restock-{n}"}}
        for order in post("/replenishments", cart, token=driver["api_key"],
                          headers={"Idempotency-Key": f"bench-restock-{n}"})["orders"]:
            post(f"/replenishments/{order['id']}/pickup", {})
    return tokens


def http_admin(base: str):
    """``post`` for ``seed`` against a running server."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"

    def post(path: str, body: dict, token: str | None = None, method: str = "POST", headers=None) -> dict:
        extra = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        reply = http.request(method, f"{base}/api/v1{path}", json=body, headers=extra)
        reply.raise_for_status()
        return reply.json()
    return post


def purchase_body(i: int) -> dict:
    return {"occurred_at": datetime.now(timezone.utc).isoformat(),
            "items": [{"sku": SKUS[i % len(SKUS)], "quantity": 1 + i % 3},
                      {"sku": SKUS[(i * 7 + 3) % len(SKUS)], "quantity": 1}][: 1 + i % 2],
            "payment": {"method": "alipay", "reference": f"ref-{i}"},
            "location": {"lat": 31.2 + (i % 100) / 1000, "lng": 121.4}}


def single_requests(tokens: list[str], keys, prefix: str = "bench"):
    """``make_request`` for httpload: one ``POST /purchases`` per call, connection ``n`` as device ``n``,
    keys ``{prefix}-{k}`` drawn from ``keys``."""
    def single(n: int, i: int):
        k = next(keys)
        return ("POST", "/api/v1/purchases", json.dumps(purchase_body(k)).encode(),
                {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"{prefix}-{k}"})
    return single


def batch_requests(tokens: list[str], keys, token_offset: int = 32):
    """``make_request`` for httpload: one upload of 500 purchases per call, keys drawn from ``keys``."""
    def batch(n: int, i: int):
        entries = []
        for _ in range(500):
            k = next(keys)
            entries.append({"idempotency_key": f"bench-{k}", **purchase_body(k)})
        return ("POST", "/api/v1/purchases/batch", json.dumps({"purchases": entries}).encode(),
                {"Authorization": f"Bearer {tokens[(n + token_offset) % len(tokens)]}"})
    return batch


def print_cpu(what: str, before: dict, after: dict, count: int) -> float:
    """CPU per request of the server's parts and of this client, and the rate the machine's cores
    could carry at the server's cost alone; returns the server's milliseconds per request."""
    if not count:
        return float("nan")
    ms = {k: (after[k] - before[k]) / count * 1000 for k in after}
    server = ms["app"] + ms["postgres"] + ms["redis"]
    cores = os.cpu_count() or 1
    print(f"  CPU per {what}: app {ms['app']:.2f} ms + postgres {ms['postgres']:.2f} ms + redis {ms['redis']:.2f} ms"
          f" (+ this client {ms['client']:.2f} ms); all {cores} cores on the server alone: ~{cores * 1000 / server:,.0f}/s")
    return server


# pgbench's reference: one device's sale as Postgres alone commits it (two rows, one transaction).
PGBENCH_SCRIPT = """\\set d random(1, 64)
BEGIN;
INSERT INTO pgbench_sales (device_id, total_cents) VALUES (:d, 350);
INSERT INTO pgbench_sale_lines (sale_id, product_id, quantity) VALUES (currval('pgbench_sales_id_seq'), 1, 2);
END;
"""


def pgbench(servers: BenchServers, seconds: float, clients: int) -> tuple[float, float]:
    """pgbench's two-row transaction on the bench database: (tps, Postgres CPU ms per transaction)."""
    import psutil

    binary = shutil.which("pgbench")
    if binary is None:
        raise SystemExit("pgbench is needed (Debian: postgresql-client)")
    servers.sql("CREATE TABLE pgbench_sales (id bigserial PRIMARY KEY, device_id int NOT NULL, "
                "total_cents bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now()); "
                "CREATE TABLE pgbench_sale_lines (sale_id bigint NOT NULL, product_id int NOT NULL, "
                "quantity int NOT NULL)", commit=True)
    script = servers.tmp / "two_rows.sql"
    script.write_text(PGBENCH_SCRIPT)
    proc = subprocess.Popen([binary, "-n", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)),
                             "-T", str(max(1, round(seconds))), "-f", str(script), servers.database_url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    while proc.poll() is None:  # the backends' CPU, sampled until pgbench ends (they exit with it)
        for (pid,) in servers.sql("SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'"):
            try:
                used = sum(psutil.Process(pid).cpu_times()[:2])
            except psutil.Error:
                continue
            first.setdefault(pid, used)
            last[pid] = used
        time.sleep(0.25)
    out = proc.stdout.read()
    match = re.search(r"tps = ([0-9.]+)", out)
    if proc.returncode or match is None:
        raise SystemExit(f"pgbench failed:\n{out}")
    tps = float(match.group(1))
    done = tps * max(1, round(seconds))
    return tps, sum(last[p] - first[p] for p in last) / done * 1000


def floor(servers: BenchServers, args, host: str, port: int) -> tuple[float, float]:
    """CPU per ``GET /healthz``: (an empty Flask app, this app), on the same server and shape."""
    def measure(pid: int, at_port: int) -> float:
        asyncio.run(closed_loop(host, at_port, args.connections, 1, healthz))
        before = tree_cpu(pid)
        tally, _ = asyncio.run(closed_loop(host, at_port, args.connections, args.floor_seconds, healthz))
        return (tree_cpu(pid) - before) / max(1, tally.statuses.get(200, 0)) * 1000

    empty_port = free_port()
    empty = start_empty_app(servers, args.server, empty_port, args.workers, args.threads)
    try:
        bare, ours = [], []
        for _ in range(3):  # alternated: the cores' speed moves within seconds
            bare.append(measure(empty.pid, empty_port))
            ours.append(measure(servers.procs[-1].pid, port))
    finally:
        empty.terminate()
        empty.wait(15)
    return statistics.median(bare), statistics.median(ours)


def group_sizes(base: str) -> tuple[float, float]:
    """(groups, purchases) settled by group commit so far, from the app's /metrics."""
    text_ = requests.get(f"{base}/metrics", timeout=10).text
    count = re.search(r"^buyfree_purchase_group_size_count ([0-9.e+]+)$", text_, re.M)
    total = re.search(r"^buyfree_purchase_group_size_sum ([0-9.e+]+)$", text_, re.M)
    return (float(count.group(1)), float(total.group(1))) if count and total else (0.0, 0.0)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="duration of the sustained and batch phases")
    parser.add_argument("--latency-seconds", type=float, default=20, help="duration of each fixed-rate phase")
    parser.add_argument("--pgbench-seconds", type=float, default=15)
    parser.add_argument("--pgbench-clients", type=int, default=8)
    parser.add_argument("--floor-seconds", type=float, default=5, help="duration of each GET /healthz phase")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--server", choices=SERVERS, default="gunicorn",
                        help="gunicorn: `python app.py serve`; gthread: the same with BUYFREE_WEB_WORKER=gthread; "
                             "granian: its WSGI interface on create_app()")
    add_server_arguments(parser, workers=2, threads=16)  # group commit needs threads in one process
    parser.add_argument("--batch-connections", type=int, default=4)
    parser.add_argument("--devices", type=int, default=64)
    parser.add_argument("--stock", type=int, default=10_000,
                        help="units of each sku a device starts with (0: none, every sale runs it below zero)")
    parser.add_argument("--redis-url", default=None, help="Redis to use (default: a private redis-server)")
    parser.add_argument("--without-redis", action="store_true",
                        help="point the app at a closed port: the write path alone (ingest goes on without Redis, "
                             "the live apply pauses itself)")
    args = parser.parse_args()
    if args.without_redis:
        from bench.servers import free_port

        args.redis_url = f"redis://127.0.0.1:{free_port()}/0"

    with BenchServers(args.database_url, args.redis_url, args.workers, args.threads, args.server) as servers:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}; load average {os.getloadavg()[0]:.2f} "
              f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; {os.cpu_count()} cores")
        tps, pg_ms = pgbench(servers, args.pgbench_seconds, args.pgbench_clients)
        print(f"pgbench, two-row transactions, {args.pgbench_clients} clients: {tps:,.0f} tps "
              f"(Postgres CPU {pg_ms:.2f} ms per transaction)")
        tokens = seed(http_admin(servers.app_url), args.devices, args.stock)
        url = urlsplit(servers.app_url)
        host, port = url.hostname, url.port
        keys = itertools.count()
        single = single_requests(tokens, keys)
        batch = batch_requests(tokens, keys)

        print(f"{args.server}: {args.workers} workers x {args.threads} threads; {args.connections} connections; "
              f"database {servers.database}; devices start with {args.stock:,} of each sku; "
              f"live Redis apply {'off (no Redis)' if args.without_redis else 'on'}")
        bare, ours = floor(servers, args, host, port)
        print(f"GET /healthz, server CPU per request: empty Flask app {bare:.3f} ms, this app {ours:.3f} ms: "
              f"ratio {ours / bare:.2f} (target <= 1.3: {verdict(ours / bare <= 1.3)})")

        asyncio.run(closed_loop(host, port, args.connections, 3, single))  # warm-up: pools, prepared statements
        groups_before = group_sizes(servers.app_url)
        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(closed_loop(host, port, args.connections, args.seconds, single))
        ok = tally.statuses.get(201, 0)
        groups = [a - b for a, b in zip(group_sizes(servers.app_url), groups_before)]
        print(f"single purchases: {ok / elapsed:,.0f}/s sustained over {elapsed:.0f}s: ratio to pgbench "
              f"{ok / elapsed / tps:.2f} (target >= 0.4: {verdict(ok / elapsed >= 0.4 * tps)}); "
              f"p50 {tally.percentile(0.5) * 1000:.1f} ms, p99 {tally.percentile(0.99) * 1000:.1f} ms "
              f"at {args.connections} connections; statuses {tally.statuses}; "
              f"{groups[1] / groups[0] if groups[0] else 0:.1f} purchases per group commit")
        print_cpu("single purchase", before, servers.cpu_seconds(), ok)

        for rate, target in ((args.rate, "p99 < 25 ms"), (0.25 * tps, "0.25 x pgbench tps")):
            before = servers.cpu_seconds()
            tally = asyncio.run(open_loop(host, port, rate, args.latency_seconds, single))
            p99 = tally.percentile(0.99) * 1000
            print(f"latency at {rate:.0f}/s ({target}; after 2 s uncounted on the same connections): "
                  f"p50 {tally.percentile(0.5) * 1000:.1f} ms, p99 {p99:.1f} ms"
                  f"{f' ({verdict(p99 < 25)})' if rate == args.rate else ''}, max {max(tally.latencies) * 1000:.1f} ms "
                  f"over {len(tally.latencies)} requests; statuses {tally.statuses}")
            print_cpu("purchase", before, servers.cpu_seconds(), tally.replies(201))  # the warm-up's too

        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(closed_loop(host, port, args.batch_connections, args.seconds, batch,
                                                 keep_bodies=True))
        created = sum(sum(1 for r in json.loads(b)["results"] if r["status"] == 201)
                      for b in tally.bodies if b.startswith(b"{"))
        print(f"batch upload: {created / elapsed:,.0f} purchases/s over {elapsed:.0f}s: ratio to pgbench "
              f"{created / elapsed / tps:.2f} (target >= 4: {verdict(created / elapsed >= 4 * tps)}); "
              f"{len(tally.latencies)} batches of 500, p50 {tally.percentile(0.5) * 1000:.0f} ms per batch; "
              f"statuses {tally.statuses}")
        print_cpu("batched purchase", before, servers.cpu_seconds(), created)

        stored = servers.sql("SELECT count(*) FROM purchases")[0][0]
        keys_used = servers.sql("SELECT count(*) FROM idempotency_keys WHERE key NOT LIKE 'bench-restock-%'")[0][0]
        print(f"check: {stored} purchases stored for {keys_used} idempotency keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
