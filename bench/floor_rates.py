"""What a request that does nothing costs at a given rate: the empty Flask app
(bench/flask_floor.py) under each server, at fixed rates and flat out.

    python bench/floor_rates.py [--servers gunicorn,granian,gunicorn,granian] [--rates 300,1000,0]
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
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.servers import ROOT, BenchServers, add_server_arguments, free_port, server_command  # noqa: E402


def healthz(n: int, i: int):
    return ("GET", "/healthz", b"", {})


def tree_cpu(pid: int) -> float:
    tree = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in [tree, *tree.children(recursive=True)])


def measure(port: int, rate: float, seconds: float, connections: int):
    """(tally) of one phase after 2 s uncounted: open loop at ``rate``, or closed loop when 0."""
    def run(s: float):
        if rate:
            return asyncio.run(open_loop("127.0.0.1", port, rate, s, healthz))
        return asyncio.run(closed_loop("127.0.0.1", port, connections, s, healthz))[0]
    run(2)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="gunicorn,granian,gunicorn,granian")
    parser.add_argument("--rates", default="300,1000,0", help="requests/s; 0 is a closed loop")
    parser.add_argument("--seconds", type=float, default=6)
    add_server_arguments(parser, workers=2, threads=16)
    args = parser.parse_args()
    # the app's settings, as bench/ingest.py's floor has them (gunicorn reads ./gunicorn.conf.py)
    with BenchServers(args.database_url, None, 0, 0) as servers:
        for server in args.servers.split(","):
            port = free_port()
            proc = subprocess.Popen(server_command(server, "bench.flask_floor:app", port, args.workers, args.threads),
                                    cwd=ROOT, env={**os.environ, **servers.app_env},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                BenchServers._wait(f"http://127.0.0.1:{port}/healthz", 30)
                for rate in (float(r) for r in args.rates.split(",")):
                    run = measure(port, rate, args.seconds, args.connections)
                    before, client = tree_cpu(proc.pid), sum(psutil.Process().cpu_times()[:2])
                    tally = run(args.seconds)
                    n = max(1, tally.statuses.get(200, 0))
                    print(f"{server} {args.workers} x {args.threads}, empty app, "
                          f"{f'{rate:.0f}/s' if rate else 'closed loop'}: {n} requests; CPU per request: server "
                          f"{(tree_cpu(proc.pid) - before) / n * 1000:.3f} ms, load generator "
                          f"{(sum(psutil.Process().cpu_times()[:2]) - client) / n * 1000:.3f} ms; "
                          f"p99 {tally.percentile(0.99) * 1000:.1f} ms", flush=True)
            finally:
                proc.terminate()
                proc.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
