"""What a request that does nothing costs at a given rate: the empty Flask app
(bench/flask_floor.py) under each server, at fixed rates and flat out.

    python bench/floor_rates.py [--servers gunicorn,gthread,granian,...] [--rates 300,1000,0]
                                [--seconds 6] [--workers 2] [--threads 16] [--database-url …]

Prints, per server and rate (0: closed loop over 16 connections), the server's
and this load generator's CPU per ``GET /healthz`` and the p99. On this 2-core
virtual machine a request costs several times more CPU at 300/s than flat out,
for every process alike (the load generator too): each request then wakes
sleeping threads and idle cores on its own, and that wake-up, not the code,
is most of its price. Read a fixed-rate figure of bench/ingest.py beside
these. Servers alternate, as the cores' speed moves within minutes.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.servers import (BenchServers, add_server_arguments, free_port, healthz, start_empty_app,  # noqa: E402
                           tree_cpu)


def phase(port: int, rate: float, seconds: float, connections: int):
    """One phase's tally: open loop at ``rate``, or a closed loop over ``connections`` when 0."""
    if rate:
        return asyncio.run(open_loop("127.0.0.1", port, rate, seconds, healthz))
    return asyncio.run(closed_loop("127.0.0.1", port, connections, seconds, healthz))[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="gunicorn,gthread,granian,gunicorn,gthread,granian",
                        help="gunicorn (the default worker), gthread (BUYFREE_WEB_WORKER=gthread) or granian, in turn")
    parser.add_argument("--rates", default="300,1000,0", help="requests/s; 0 is a closed loop")
    parser.add_argument("--seconds", type=float, default=6)
    add_server_arguments(parser, workers=2, threads=16)
    args = parser.parse_args()
    client = psutil.Process()
    with BenchServers(args.database_url, None, 0, 0) as servers:  # a database and Redis for the settings
        for server in args.servers.split(","):
            port = free_port()
            proc = start_empty_app(servers, server, port, args.workers, args.threads)
            try:
                for rate in (float(r) for r in args.rates.split(",")):
                    phase(port, rate, 2, args.connections)  # uncounted: connections, the cores' pace
                    before, mine = tree_cpu(proc.pid), sum(client.cpu_times()[:2])
                    tally = phase(port, rate, args.seconds, args.connections)
                    n = max(1, tally.replies(200))  # open_loop's warm-up replies too: the CPU paid for them
                    print(f"{server} {args.workers} x {args.threads}, empty app, "
                          f"{f'{rate:.0f}/s' if rate else 'closed loop'}: {n} requests; CPU per request: server "
                          f"{(tree_cpu(proc.pid) - before) / n * 1000:.3f} ms, load generator "
                          f"{(sum(client.cpu_times()[:2]) - mine) / n * 1000:.3f} ms; "
                          f"p99 {tally.percentile(0.99) * 1000:.1f} ms", flush=True)
            finally:
                proc.terminate()
                proc.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
