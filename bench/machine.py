"""What this machine gives the server, for reading the other benchmarks' figures.

    python bench/machine.py [--seconds 20] [--workers 4] [--threads 4] [--connections 16]
                            [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

1. Cores: one busy process per core counts how much work it gets done in each
   50 ms slice. A core of a shared virtual machine is not always a whole core:
   the figures are each core's median, its slowest 1% and slowest slice as a
   share of the fastest core's median, and its longest stretch below 80%.
2. The server's floor: ``GET /healthz`` (no database, no Redis) under the same
   gunicorn settings as bench/ingest.py, closed loop over keep-alive
   connections; its CPU per request is what every request costs before the
   application does anything.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.httpload import closed_loop  # noqa: E402
from bench.servers import BenchServers, healthz  # noqa: E402

SLICE = 0.05


def _busy(seconds: float, out) -> None:
    """Work done per slice (loops of 1,000 steps), for ``seconds``."""
    slices, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        started, done = time.perf_counter(), 0
        while time.perf_counter() - started < SLICE:
            for _ in range(1000):
                pass
            done += 1
        slices.append(done)
    out.send(slices)


def cores(seconds: float) -> None:
    count = os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    pipes, procs = [], []
    for _ in range(count):
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_busy, args=(seconds, send))
        proc.start()
        pipes.append(receive)
        procs.append(proc)
    results = [p.recv() for p in pipes]
    for proc in procs:
        proc.join()
    best = max(sorted(r)[len(r) // 2] for r in results)
    print(f"cores: {count} busy processes for {seconds:.0f}s, work per {SLICE * 1000:.0f} ms slice "
          f"as a share of the fastest core's median")
    for n, slices in enumerate(results):
        ordered = sorted(slices)
        longest = run = 0
        for done in slices:
            run = run + 1 if done < 0.8 * best else 0
            longest = max(longest, run)
        print(f"  core {n}: median {ordered[len(ordered) // 2] / best:.0%}, slowest 1% {ordered[len(ordered) // 100] / best:.0%}, "
              f"slowest {ordered[0] / best:.0%}; longest stretch below 80%: {longest * SLICE:.2f}s")


def floor(args) -> None:
    with BenchServers(args.database_url, None, args.workers, args.threads) as servers:
        url = urlsplit(servers.app_url)

        asyncio.run(closed_loop(url.hostname, url.port, args.connections, 3, healthz))
        before = servers.cpu_seconds()
        tally, elapsed = asyncio.run(closed_loop(url.hostname, url.port, args.connections, args.seconds, healthz))
        after = servers.cpu_seconds()
        ok = tally.statuses.get(200, 0)
        app, client = ((after[k] - before[k]) / ok * 1000 for k in ("app", "client"))
        print(f"floor: GET /healthz under gunicorn {args.workers} workers x {args.threads} threads, "
              f"{args.connections} connections: {ok / elapsed:,.0f}/s over {elapsed:.0f}s "
              f"(p50 {tally.percentile(0.5) * 1000:.1f} ms); CPU per request: app {app:.2f} ms (+ this client {client:.2f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("BUYFREE_DATABASE_URL"),
                        help="PostgreSQL server for the app's bench database (default: embedded)")
    args = parser.parse_args()
    cores(args.seconds)
    floor(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
