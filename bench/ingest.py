"""Ingest benchmark: the app under gunicorn, driven over keep-alive HTTP from this process.

    python bench/ingest.py [--seconds 30] [--workers 4] [--threads 4] [--connections 16]
                           [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--redis-url redis://...]
                           [--without-redis]

Prints single purchases/s sustained (closed loop), p50/p99 latency at a fixed
300/s (open loop, measured from the scheduled send time), and batch-upload
purchases/s (batches of 500). A fresh database is created on the given
PostgreSQL server (default: an embedded one) and dropped at the end; Redis is
a private redis-server on a free port unless ``--redis-url`` is given.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.servers import ADMIN_TOKEN, BenchServers, add_server_arguments  # noqa: E402

SKUS = [f"BENCH-{n:02d}" for n in range(20)]


def seed(post, devices: int) -> list[str]:
    """Products, then drivers with one device each; returns the device tokens.

    ``post(path, body)``: an admin POST under ``/api/v1`` returning the JSON reply
    (over HTTP here, through Flask's test client in bench/app_cpu.py)."""
    for n, sku in enumerate(SKUS):
        post("/products", {"sku": sku, "name": f"Bench product {n}", "retail_price_cents": 300 + n,
                           "supply_price_cents": 200 + n})
    tokens = []
    for n in range(devices):
        driver = post("/drivers", {"name": f"Bench driver {n}", "car_plate": f"B{n:05d}"})
        device = post("/devices", {"serial": f"BENCH-{n:05d}", "driver_id": driver["id"]})
        tokens.append(device["api_key"])
    return tokens


def http_admin(base: str):
    """``post`` for ``seed`` against a running server."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"

    def post(path: str, body: dict) -> dict:
        reply = http.post(f"{base}/api/v1{path}", json=body)
        reply.raise_for_status()
        return reply.json()
    return post


def purchase_body(i: int) -> dict:
    return {"occurred_at": datetime.now(timezone.utc).isoformat(),
            "items": [{"sku": SKUS[i % len(SKUS)], "quantity": 1 + i % 3},
                      {"sku": SKUS[(i * 7 + 3) % len(SKUS)], "quantity": 1}][: 1 + i % 2],
            "payment": {"method": "alipay", "reference": f"ref-{i}"},
            "location": {"lat": 31.2 + (i % 100) / 1000, "lng": 121.4}}


def print_cpu(what: str, before: dict, after: dict, count: int) -> None:
    """CPU per request of the server's parts and of this client, and the rate the machine's cores
    could carry at the server's cost alone."""
    if not count:
        return
    ms = {k: (after[k] - before[k]) / count * 1000 for k in after}
    server = ms["app"] + ms["postgres"] + ms["redis"]
    cores = os.cpu_count() or 1
    print(f"  CPU per {what}: app {ms['app']:.2f} ms + postgres {ms['postgres']:.2f} ms + redis {ms['redis']:.2f} ms"
          f" (+ this client {ms['client']:.2f} ms); all {cores} cores on the server alone: ~{cores * 1000 / server:,.0f}/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="duration of the sustained and batch phases")
    parser.add_argument("--latency-seconds", type=float, default=20, help="duration of the 300/s phase")
    parser.add_argument("--rate", type=float, default=300)
    add_server_arguments(parser)
    parser.add_argument("--batch-connections", type=int, default=4)
    parser.add_argument("--devices", type=int, default=64)
    parser.add_argument("--redis-url", default=None, help="Redis to use (default: a private redis-server)")
    parser.add_argument("--without-redis", action="store_true",
                        help="point the app at a closed port: the write path alone (ingest goes on without Redis, "
                             "the live apply pauses itself)")
    args = parser.parse_args()
    if args.without_redis:
        from bench.servers import free_port

        args.redis_url = f"redis://127.0.0.1:{free_port()}/0"

    with BenchServers(args.database_url, args.redis_url, args.workers, args.threads) as servers:
        tokens = seed(http_admin(servers.app_url), args.devices)
        url = urlsplit(servers.app_url)
        host, port = url.hostname, url.port
        keys = itertools.count()

        def single(n: int, i: int):
            k = next(keys)
            return ("POST", "/api/v1/purchases", json.dumps(purchase_body(k)).encode(),
                    {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"bench-{k}"})

        def batch(n: int, i: int):
            entries = []
            for _ in range(500):
                k = next(keys)
                entries.append({"idempotency_key": f"bench-{k}", **purchase_body(k)})
            return ("POST", "/api/v1/purchases/batch", json.dumps({"purchases": entries}).encode(),
                    {"Authorization": f"Bearer {tokens[(n + 32) % len(tokens)]}"})

        print(f"gunicorn: {args.workers} workers x {args.threads} threads; {args.connections} connections; "
              f"database {servers.database}; live Redis apply {'off (no Redis)' if args.without_redis else 'on'}")
        asyncio.run(closed_loop(host, port, args.connections, 3, single))  # warm-up: pools, prepared statements
        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(closed_loop(host, port, args.connections, args.seconds, single))
        ok = tally.statuses.get(201, 0)
        print(f"single purchases: {ok / elapsed:,.0f}/s sustained over {elapsed:.0f}s "
              f"(p50 {tally.percentile(0.5) * 1000:.1f} ms, p99 {tally.percentile(0.99) * 1000:.1f} ms "
              f"at {args.connections} connections; statuses {tally.statuses})")
        print_cpu("single purchase", before, servers.cpu_seconds(), ok)

        tally = asyncio.run(open_loop(host, port, args.rate, args.latency_seconds, single))
        print(f"latency at {args.rate:.0f}/s (after 2 s uncounted on the same connections): p50 {tally.percentile(0.5) * 1000:.1f} ms, "
              f"p99 {tally.percentile(0.99) * 1000:.1f} ms, max {max(tally.latencies) * 1000:.1f} ms "
              f"over {len(tally.latencies)} requests; statuses {tally.statuses}")

        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(closed_loop(host, port, args.batch_connections, args.seconds, batch,
                                                 keep_bodies=True))
        created = sum(sum(1 for r in json.loads(b)["results"] if r["status"] == 201)
                      for b in tally.bodies if b.startswith(b"{"))
        print(f"batch upload: {created / elapsed:,.0f} purchases/s over {elapsed:.0f}s "
              f"({len(tally.latencies)} batches of 500, p50 {tally.percentile(0.5) * 1000:.0f} ms per batch; "
              f"statuses {tally.statuses})")
        print_cpu("batched purchase", before, servers.cpu_seconds(), created)

        stored = servers.sql("SELECT count(*) FROM purchases")[0][0]
        keys_used = servers.sql("SELECT count(*) FROM idempotency_keys")[0][0]
        print(f"check: {stored} purchases stored for {keys_used} idempotency keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
