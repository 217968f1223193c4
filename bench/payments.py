"""Payments benchmark: Alipay notifications handled per second, and what POST /payments adds to Alipay's time.

    python bench/payments.py [--payments 3000] [--workers 2] [--threads 4] [--connections 16]
                             [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--gateway-ms 0]

The app runs under gunicorn against a fresh database (bench/servers.py) with its
Alipay settings pointed at the stand-in (simulator/alipay), which runs in this
process. Phases:
1. ``POST /payments`` one at a time: its latency beside the stand-in's own time for
   the same precreate (request read to reply sent), paired request by request: the
   difference is what the platform adds (pricing, two short transactions, signing
   the request, verifying the reply).
2. The payments are paid at the stand-in and their signed notifications sent as
   fast as the app takes them (closed loop): each one verified (RSA2), checked and
   settled into one purchase. Then the same notifications again (Alipay's
   repeats): verified, and replayed.
CPU per request (app, Postgres, Redis; and this client, which includes the
stand-in) is printed beside each rate: on a shared machine it is the steadier figure.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.httpload import Connection, Tally  # noqa: E402
from bench.ingest import SKUS, http_admin, print_cpu, purchase_body, seed  # noqa: E402
from bench.servers import BenchServers  # noqa: E402
from simulator.alipay import AlipayStandIn, signing  # noqa: E402

APP_ID = "2021000000009999"
NOTIFY = "/api/v1/payments/alipay/notify"


async def drain(host, port, connections: int, requests_: list, retry: int | None = None) -> tuple[Tally, float]:
    """Send every request once, ``connections`` at a time (each next as soon as the last is answered);
    an answer with status ``retry`` is sent again later, as a device retries with the same key."""
    tally, queue = Tally(), list(reversed(requests_))

    async def client():
        conn = Connection(host, port)
        while queue:
            method, path, body, headers = queued = queue.pop()
            started = time.perf_counter()
            try:
                status, payload = await conn.request(method, path, body, headers)
            except (ConnectionError, asyncio.IncompleteReadError):
                status, payload, conn = 0, b"", Connection(host, port)
            tally.add(status, time.perf_counter() - started, payload)
            if status == retry:
                queue.insert(0, queued)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return tally, time.perf_counter() - started


def ms(values) -> str:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {pick(0.5):.2f} ms, p90 {pick(0.9):.2f} ms, p99 {pick(0.99):.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=3000, help="payments made, paid and notified")
    parser.add_argument("--latency-samples", type=int, default=300, help="POST /payments timed one at a time")
    parser.add_argument("--gateway-ms", type=float, default=0, help="extra time the stand-in takes per call")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--devices", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("BUYFREE_DATABASE_URL"),
                        help="PostgreSQL server to create the bench database on (default: embedded)")
    args = parser.parse_args()

    keys_dir = Path(tempfile.mkdtemp(prefix="buyfree-bench-keys-"))
    files = signing.key_files(keys_dir)
    standin = AlipayStandIn(APP_ID, files["app-public"].read_text(), files["alipay-private"].read_text()).start()
    standin.notifier.lose = 10**9  # this bench sends the notifications itself
    standin.delay = args.gateway_ms / 1000
    env = {"BUYFREE_ALIPAY_APP_ID": APP_ID, "BUYFREE_ALIPAY_PRIVATE_KEY": str(files["app-private"]),
           "BUYFREE_ALIPAY_PUBLIC_KEY": str(files["alipay-public"]), "BUYFREE_ALIPAY_GATEWAY": standin.gateway_url,
           "BUYFREE_ALIPAY_NOTIFY_URL": "http://127.0.0.1:1/unused"}
    with BenchServers(args.database_url, None, args.workers, args.threads, env=env) as servers:
        tokens = seed(http_admin(servers.app_url), args.devices)
        url = urlsplit(servers.app_url)
        host, port = url.hostname, url.port
        counter = itertools.count()

        def create(n: int):
            k = next(counter)
            body = {"items": [{"sku": SKUS[k % len(SKUS)], "quantity": 1 + k % 3}]}
            return ("POST", "/api/v1/payments", json.dumps(body).encode(),
                    {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"pay-{k}"})

        print(f"gunicorn: {args.workers} workers x {args.threads} threads; stand-in gateway "
              f"+{args.gateway_ms:g} ms per call; database {servers.database}")
        http = requests.Session()
        for n in range(20):  # warm-up: pools, the client's keys, prepared statements
            method, path, body, headers = create(n)
            http.post(servers.app_url + path, data=body, headers={**headers, "Content-Type": "application/json"})

        # 1. the platform's part of POST /payments, request by request
        standin.timings.clear()
        before, latencies = servers.cpu_seconds(), []
        for n in range(args.latency_samples):
            method, path, body, headers = create(n)
            started = time.perf_counter()
            reply = http.post(servers.app_url + path, data=body, headers={**headers, "Content-Type": "application/json"})
            latencies.append(time.perf_counter() - started)
            assert reply.status_code == 201, reply.text
        after = servers.cpu_seconds()
        gateway = [t for method, t in standin.timings if method == "alipay.trade.precreate"]
        added = [total - own for total, own in zip(latencies, gateway)]
        print(f"POST /payments, one at a time ({len(latencies)}): {ms(latencies)}")
        print(f"  of which the gateway's own time: {ms(gateway)}")
        print(f"  added by the platform (paired): {ms(added)}; mean {statistics.mean(added) * 1000:.2f} ms")
        print_cpu("POST /payments", before, after, len(latencies))

        # 2. make the rest (as many at once as the app lets wait on Alipay: half its threads), pay them at
        # the stand-in, and send the notifications; beside them, as many plain POST /purchases (the baseline)
        rest = max(0, args.payments - args.latency_samples - 20)
        waiting = args.workers * max(1, args.threads // 2)
        tally, elapsed = asyncio.run(drain(host, port, waiting, [create(n) for n in range(rest)], retry=502))
        print(f"POST /payments, {waiting} connections: {tally.statuses.get(201, 0) / elapsed:,.0f}/s "
              f"({ms(tally.latencies)}; statuses {tally.statuses}: a 502 is a call beyond the Alipay slots "
              f"of a worker, sent again)")
        plain = [("POST", "/api/v1/purchases", json.dumps(purchase_body(k)).encode(),
                  {"Authorization": f"Bearer {tokens[k % len(tokens)]}", "Idempotency-Key": f"buy-{k}"})
                 for k in range(args.payments)]
        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(drain(host, port, args.connections, plain))
        after = servers.cpu_seconds()
        bought = tally.statuses.get(201, 0)
        base_rate = bought / elapsed
        print(f"baseline POST /purchases: {base_rate:,.0f}/s over {elapsed:.1f}s ({ms(tally.latencies)})")
        base_cpu = print_cpu("purchase", before, after, bought)
        notes = []
        for trade in list(standin.trades.by_no.values()):
            token = trade.token
            standin.trades.scan(token, pay=True)
            notes.append(("POST", NOTIFY, urlencode(standin.notifier.params(trade)).encode(),
                          {"Content-Type": "application/x-www-form-urlencoded"}))
        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(drain(host, port, args.connections, notes))
        after = servers.cpu_seconds()
        ok = sum(1 for body in tally.bodies if body == b"success")
        print(f"notifications, first time (verify + settle): {ok / elapsed:,.0f}/s over {elapsed:.1f}s "
              f"({ms(tally.latencies)}; {ok} success of {len(notes)})")
        cpu = print_cpu("settled notification", before, after, ok)
        print(f"  ratio to the baseline purchase, same run: rate {ok / elapsed / base_rate:.2f}x, "
              f"server CPU {cpu / base_cpu:.2f}x")
        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(drain(host, port, args.connections, notes))
        after = servers.cpu_seconds()
        again = sum(1 for body in tally.bodies if body == b"success")
        print(f"notifications, repeated (verify + replay): {again / elapsed:,.0f}/s ({ms(tally.latencies)})")
        print_cpu("repeated notification", before, after, again)
        stored = servers.sql("SELECT count(*) FROM purchases")[0][0]
        paid = servers.sql("SELECT count(*) FROM payments WHERE status = 'paid'")[0][0]
        print(f"check: {paid} payments paid, {stored} purchases stored")
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
