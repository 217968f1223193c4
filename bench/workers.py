"""Single purchases under each serving worker, alternated in one run (the machine's speed drifts).

    python bench/workers.py [--servers gunicorn,gthread] [--rounds 3] [--rates 300,600] [--seconds 8]
                            [--database-url postgresql://…/postgres]

Each round starts each server on a fresh database (bench/ingest.py's seed, stocked
devices), runs a closed loop over 16 connections, then each fixed rate, and prints
the rate or the latency with the CPU per purchase of the app, Postgres and Redis.
``gunicorn`` is the default epoll worker, ``gthread`` the same server with
``BUYFREE_WEB_WORKER=gthread``, ``granian`` its WSGI interface.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.ingest import http_admin, print_cpu, seed, single_requests  # noqa: E402
from bench.servers import BenchServers, add_server_arguments  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="gunicorn,gthread")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rates", default="300,600")
    parser.add_argument("--seconds", type=float, default=8)
    add_server_arguments(parser, workers=2, threads=16)
    args = parser.parse_args()
    for round_ in range(args.rounds):
        for server in args.servers.split(","):
            with BenchServers(args.database_url, None, args.workers, args.threads, server) as servers:
                tokens = seed(http_admin(servers.app_url), 64, 10_000)
                url = urlsplit(servers.app_url)
                single = single_requests(tokens, itertools.count(), "w")
                asyncio.run(closed_loop(url.hostname, url.port, args.connections, 3, single))  # warm-up
                before = servers.cpu_seconds()
                tally, elapsed = asyncio.run(closed_loop(url.hostname, url.port, args.connections, args.seconds,
                                                         single))
                print(f"round {round_ + 1}, {server}: closed loop {tally.replies(201) / elapsed:,.0f}/s, "
                      f"p99 {tally.percentile(0.99) * 1000:.1f} ms", flush=True)
                print_cpu("purchase", before, servers.cpu_seconds(), tally.replies(201))
                for rate in (float(r) for r in args.rates.split(",")):
                    before = servers.cpu_seconds()
                    tally = asyncio.run(open_loop(url.hostname, url.port, rate, args.seconds, single))
                    print(f"round {round_ + 1}, {server}: {rate:.0f}/s p50 {tally.percentile(0.5) * 1000:.1f} ms, "
                          f"p99 {tally.percentile(0.99) * 1000:.1f} ms", flush=True)
                    print_cpu("purchase", before, servers.cpu_seconds(), tally.replies(201))
    return 0


if __name__ == "__main__":
    sys.exit(main())
