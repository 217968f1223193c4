"""Relay benchmark: events published per second with publisher confirms, and how far the AMQP stream
lags the commits under the ingest bench's batched load.

    python bench/relay.py [--backlog 20000] [--seconds 20] [--amqp-url amqp://guest:guest@127.0.0.1:5672/]
                          [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Uses bench/ingest.py's servers (gunicorn on a fresh database, a private
redis-server) and its seed and purchases; the broker is the one at
``--amqp-url`` (an exchange and a queue of this run's own, deleted after).

1. Drain: a backlog of purchases written with the relay stopped, then
   ``python app.py relay`` started: events/s until the outbox is published,
   and the CPU per event of the relay process, its Postgres backend and the
   broker (the broker's figure is the whole node's: other users of the broker
   count too). For scale, the same run publishes through pika's blocking
   adapter, one confirm at a time.
2. Lag: batch uploads (500 a request, as bench/ingest.py's batch phase) with
   the relay running and a consumer in its own process: purchases/s ingested,
   events/s published, and the lag from each event's commit (its outbox
   ``created_at``) to its delivery to the consumer, p50/p95/p99/max. Run first
   without the relay for the ingest rate to compare with.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pika  # noqa: E402
import psutil  # noqa: E402

from bench.httpload import closed_loop  # noqa: E402
from bench.ingest import batch_requests, http_admin, seed  # noqa: E402
from bench.servers import ROOT, BenchServers  # noqa: E402
from relay.loop import BATCH  # noqa: E402


def broker_cpu() -> float:
    """CPU seconds of the local RabbitMQ node (beam.smp), 0 when it is not on this machine."""
    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] and proc.info["name"].startswith("beam"):
            try:
                total += sum(proc.cpu_times()[:2])
            except psutil.Error:
                pass
    return total


def consume(url: str, exchange: str, queue: str, ready, results, stop) -> None:
    """In its own process: every message's delivery time minus its recorded_at, until ``stop``."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(queue, exclusive=True, auto_delete=True)
    channel.queue_bind(queue, exchange, routing_key="#")
    lags, seen = [], set()

    def on_message(ch, method, properties, body):
        now = time.time()
        message = json.loads(body)
        if properties.message_id not in seen:
            seen.add(properties.message_id)
            lags.append(now - datetime.fromisoformat(message["recorded_at"]).timestamp())

    channel.basic_consume(queue, on_message, auto_ack=True)
    ready.set()
    while not stop.is_set():
        connection.process_data_events(time_limit=0.2)
    connection.process_data_events(time_limit=1)
    connection.close()
    results.put(lags)


def blocking_rate(url: str, exchange: str, count: int) -> float:
    """Messages/s through pika's BlockingConnection with confirms: it waits for each confirm in turn."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    body = b'{"id": 0}'
    started = time.perf_counter()
    for n in range(count):
        channel.basic_publish(exchange, "bench.blocking", body,
                              pika.BasicProperties(delivery_mode=2, message_id=str(n), content_type="application/json"))
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


class RelayProcess:
    def __init__(self, servers, url: str, exchange: str, batch: int):
        env = {**os.environ, **servers.app_env, "BUYFREE_AMQP_URL": url, "BUYFREE_AMQP_EXCHANGE": exchange}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "relay", "--batch", str(batch)],
                                     env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        self.ps = psutil.Process(self.proc.pid)

    def cpu(self) -> float:
        return sum(self.ps.cpu_times()[:2])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def relay_backend_cpu(servers) -> float:
    """CPU seconds of the relay's Postgres backend (the connection holding the relay's advisory lock)."""
    pids = [r[0] for r in servers.sql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")]
    return sum(sum(psutil.Process(p).cpu_times()[:2]) for p in pids if psutil.pid_exists(p))


def unpublished(servers) -> int:
    return servers.sql("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backlog", type=int, default=20000, help="events written before the relay starts")
    parser.add_argument("--seconds", type=float, default=20, help="duration of each batched-ingest phase")
    parser.add_argument("--batch", type=int, default=BATCH, help="the relay's batch")
    parser.add_argument("--batch-connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--amqp-url", default=os.environ.get("BUYFREE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--database-url", default=os.environ.get("BUYFREE_DATABASE_URL"))
    args = parser.parse_args()
    exchange = f"buyfree.bench.{secrets.token_hex(4)}"
    connection = pika.BlockingConnection(pika.URLParameters(args.amqp_url))
    connection.channel().exchange_declare(exchange, exchange_type="topic", durable=True)

    with BenchServers(args.database_url, None, args.workers, args.threads) as servers:
        tokens = seed(http_admin(servers.app_url), 64)
        url = urlsplit(servers.app_url)
        keys = itertools.count()

        batch = batch_requests(tokens, keys, token_offset=0)

        def upload(seconds: float) -> tuple[int, float]:
            tally, elapsed = asyncio.run(closed_loop(url.hostname, url.port, args.batch_connections, seconds, batch,
                                                     keep_bodies=True))
            created = sum(sum(1 for r in json.loads(b)["results"] if r["status"] == 201)
                          for b in tally.bodies if b.startswith(b"{"))
            return created, elapsed

        print(f"broker {urlsplit(args.amqp_url).hostname}:{urlsplit(args.amqp_url).port or 5672}, exchange {exchange}; "
              f"gunicorn {args.workers} x {args.threads}; relay batches of {args.batch}; the machine is shared: "
              "read the rates as ratios within this run, the CPU figures as the steady ones")
        rate = blocking_rate(args.amqp_url, exchange, 2000)
        print(f"pika BlockingConnection, one confirm at a time: {rate:,.0f} messages/s")

        # 1. drain a backlog
        while unpublished(servers) < args.backlog:
            upload(1)
        backlog = unpublished(servers)
        cpu0, broker0 = broker_cpu(), None
        started = time.perf_counter()
        relay = RelayProcess(servers, args.amqp_url, exchange, args.batch)
        broker0 = broker_cpu()
        while unpublished(servers):
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        relay_cpu, backend_cpu, broker_used = relay.cpu(), relay_backend_cpu(servers), broker_cpu() - broker0
        print(f"drain: {backlog:,} events published in {elapsed:.2f} s = {backlog / elapsed:,.0f} events/s with confirms "
              f"(from the relay's start, imports included)")
        print(f"  CPU per event: relay {relay_cpu / backlog * 1e6:.0f} µs (imports included) + its Postgres backend "
              f"{backend_cpu / backlog * 1e6:.0f} µs + broker {broker_used / backlog * 1e6:.0f} µs (whole node)")
        del cpu0

        # 2. lag under batched ingest: first without the relay's work for the ingest rate alone
        relay.stop()
        created, elapsed = upload(args.seconds)
        alone = created / elapsed
        print(f"batched ingest, relay stopped: {alone:,.0f} purchases/s over {elapsed:.0f} s")
        relay = RelayProcess(servers, args.amqp_url, exchange, args.batch)
        while unpublished(servers):  # the events of the phase above go out first
            time.sleep(0.05)
        ctx = multiprocessing.get_context("spawn")
        ready, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
        consumer = ctx.Process(target=consume, args=(args.amqp_url, exchange, f"{exchange}.lag", ready, results, stop))
        consumer.start()
        ready.wait(30)
        relay_cpu0, backend0, broker0 = relay.cpu(), relay_backend_cpu(servers), broker_cpu()
        created, elapsed = upload(args.seconds)
        left = unpublished(servers)
        relay_cpu, backend_cpu, broker_used = (relay.cpu() - relay_cpu0, relay_backend_cpu(servers) - backend0,
                                               broker_cpu() - broker0)
        while unpublished(servers):
            time.sleep(0.05)
        time.sleep(1)
        stop.set()
        lags = sorted(results.get(timeout=60))
        consumer.join(30)
        relay.stop()

        def q(p):
            return lags[min(len(lags) - 1, int(p * len(lags)))] * 1000

        print(f"batched ingest, relay running: {created / elapsed:,.0f} purchases/s over {elapsed:.0f} s "
              f"({created / elapsed / alone:.2f} x the rate without it); backlog when the load stopped: {left} events")
        print(f"  stream lag behind the commits over {len(lags):,} events: p50 {q(0.5):.0f} ms, p95 {q(0.95):.0f} ms, "
              f"p99 {q(0.99):.0f} ms, max {lags[-1] * 1000:.0f} ms")
        print(f"  CPU per event: relay {relay_cpu / created * 1e6:.0f} µs + its Postgres backend "
              f"{backend_cpu / created * 1e6:.0f} µs + broker {broker_used / created * 1e6:.0f} µs (whole node)")
    connection.channel().exchange_delete(exchange)
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
