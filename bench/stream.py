"""Live stream benchmark: N screens streaming while purchases come in, against the same run with none.

    python bench/stream.py [--streams 100,1000,3000] [--rate 50] [--seconds 15] [--sustained-seconds 10]
                           [--workers 2] [--threads 4] [--database-url postgresql://...] [--polling-seconds 10]
                           [--in-workers]

The app runs under gunicorn (``app.py serve``: the streams are served the way the
product serves them, each granted connection passed from the worker to the stream process
beside the workers; ``--in-workers``: the earlier design, each worker's own hub). For each N (0
first, the baseline): N platform streams are opened and idle until each has its
first figures; then purchases go in at ``--rate`` (bench/ingest.py's bodies, open
loop) while every stream reads. Printed per N:

- 201-to-event latency p50/p95: from a purchase's ``201`` at the client to its
  ticker line (``sale`` event; the figures of the same window share its write)
  at each of up to 100 sampled streams (the others read and count bytes);
- the app's memory per idle stream (RSS of the workers after opening, less before)
  and its CPU per stream (CPU over the rate phase, less the baseline's);
- the ingest rate: single purchases/s sustained (closed loop, bench/ingest.py's
  way) with the N streams open, beside the baseline's, and the ratio.

Then what polling walls cost today: one kiosk wall's refresh (the Dash callbacks
of one tick every ``screen_refresh_ms`` and the map's ``drivers.json`` every 2 s)
sent closed loop: CPU per request and the rate this server sustains, and what N
walls need. The client runs in this process on the same cores: on a shared
machine, read the ratios. The file-descriptor limit is raised to its hard
maximum for the 3,000 connections (the server inherits it).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.ingest import http_admin, seed, single_requests  # noqa: E402
from bench.polling import polling  # noqa: E402
from bench.screens import SAMPLED, ScreenProcess  # noqa: E402
from bench.servers import BenchServers, add_server_arguments  # noqa: E402


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def workers(servers) -> list[psutil.Process]:
    return psutil.Process(servers.procs[-1].pid).children(recursive=True)


def rss(servers) -> int:
    return sum(p.memory_info().rss for p in workers(servers))


def kinds(result: dict, sampled: int) -> str:
    """Bytes per stream per second of each event kind, at the sampled streams."""
    per = {k: v / sampled / result["phases"] for k, v in sorted(result["by_event"].items()) if k != ":"}
    return ", ".join(f"{k} {v / 1000:.1f} KB/s" for k, v in per.items()) + " per stream"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def one_level(servers, host, port, tokens, count: int, args, keys) -> dict:
    memory_before = rss(servers)
    screens = ScreenProcess(host, port, count) if count else None
    if screens is not None:
        await screens.ready()
    await asyncio.sleep(1.0)  # let the allocator settle
    memory_after = rss(servers)
    replies: dict[str, float] = {}

    purchase = single_requests(tokens, keys, "stream")

    def on_reply(status: int, body: bytes, at: float) -> None:
        if status == 201:
            replies[json.loads(body)["id"]] = at

    cpu_before, wall_started = servers.cpu_seconds()["app"], time.perf_counter()
    tally = await open_loop(host, port, args.rate, args.seconds, purchase, connections=16, on_reply=on_reply)
    await asyncio.sleep(1.0)  # the last lines' window
    cpu_after, wall = servers.cpu_seconds()["app"], time.perf_counter() - wall_started
    before = servers.cpu_seconds()
    sustained, elapsed = await closed_loop(host, port, args.connections, args.sustained_seconds, purchase)
    after = servers.cpu_seconds()
    arrivals, read = await screens.stop() if screens is not None else ({}, 0)  # open through both phases
    latencies = [at - replies[pid] for pid, ats in arrivals.items() if pid in replies for at in ats]
    delivered = sum(1 for pid in replies if pid in arrivals)
    stored = max(sustained.statuses.get(201, 0), 1)
    per_purchase = sum(after[k] - before[k] for k in ("app", "postgres", "redis")) / stored  # streams included
    await asyncio.sleep(0.5)
    return {"streams": count, "memory": memory_after - memory_before, "latencies": latencies,
            "delivered": delivered, "purchases": len(replies), "statuses": tally.statuses,
            "app_cpu_per_s": (cpu_after - cpu_before) / wall,
            "rate": sustained.statuses.get(201, 0) / elapsed, "bytes": read,
            "cpu_per_purchase": per_purchase, "by_event": getattr(screens, "by_event", {}),
            "client_cpu": getattr(screens, "cpu", 0.0), "phases": args.seconds + args.sustained_seconds + 1.5}


def describe(result: dict, base: dict, args, round_: int) -> str:
    """One level's line: latency, memory, CPU, bytes, and the ingest rate beside ``base`` (N=0)."""
    count = result["streams"]
    line = [f"N={count:>5,}" + (f" (round {round_ + 1})" if args.repeat > 1 else "") + ":"]
    if count:
        lat = result["latencies"]
        line.append(f"201-to-event p50 {percentile(lat, 0.5) * 1000:.0f} ms, p95 {percentile(lat, 0.95) * 1000:.0f} ms "
                    f"({len(lat):,} arrivals at {min(count, SAMPLED)} sampled streams; "
                    f"{result['delivered']}/{result['purchases']} purchases had a ticker line);")
        line.append(f"memory {result['memory'] / count / 1024:.1f} KB per idle stream;")
        extra = result["app_cpu_per_s"] - base["app_cpu_per_s"]
        line.append(f"app CPU {result['app_cpu_per_s'] * 1000:.0f} ms/s ({extra * 1000:+.0f} vs none: "
                    f"{extra / count * 1e6:.0f} µs/s per stream); {result['bytes'] / 1e6:.0f} MB read "
                    f"({kinds(result, min(count, SAMPLED))}), by clients using "
                    f"{result['client_cpu'] / result['phases'] * 1000:.0f} ms CPU/s;")
    else:
        line.append(f"app CPU {result['app_cpu_per_s'] * 1000:.0f} ms/s at {args.rate:.0f} purchases/s;")
    line.append(f"ingest {result['rate']:,.0f} purchases/s sustained"
                + (f" ({result['rate'] / base['rate']:.2f} x the run without streams)" if count else "")
                + f", server CPU {result['cpu_per_purchase'] * 1000:.2f} ms per purchase"
                + (f" (capacity {base['cpu_per_purchase'] / result['cpu_per_purchase']:.2f} x without streams)"
                   if count else ""))
    return " ".join(line)


async def run(args) -> None:
    limit = raise_fd_limit()
    levels = [0] + [int(n) for n in args.streams.split(",")]
    print(f"file-descriptor limit raised to {limit:,} (this process and the server it starts); "
          f"gunicorn {args.workers} workers x {args.threads} threads; {args.rate:.0f} purchases/s while streams read; "
          f"streams served {'inside the API workers (b)' if args.in_workers else 'by the stream process (a)'}; "
          f"machine: {os.cpu_count()} cores, shared with other work (read the ratios)")
    env = {"BUYFREE_STREAM_PROCESS": "false"} if args.in_workers else {}
    with BenchServers(args.database_url, None, args.workers, args.threads, env=env) as servers:
        post = http_admin(servers.app_url)
        tokens = seed(post, 64)
        kiosk = post("/screens", {"label": "bench wall", "station_id": None})["token"]
        url = urlsplit(servers.app_url)
        host, port = url.hostname, url.port
        keys = itertools.count()
        warm = await one_level(servers, host, port, tokens, 0, argparse.Namespace(**{**vars(args), "seconds": 2,
                                                                                     "sustained_seconds": 2}), keys)
        assert warm["statuses"].get(201), warm["statuses"]  # pools, prepared statements, Dash's first requests
        ratios: dict[int, list[float]] = {}
        for round_ in range(args.repeat):  # the levels in turn, each round against its own N=0
            results = []
            for count in levels:
                result = await one_level(servers, host, port, tokens, count, args, keys)
                results.append(result)
                print(describe(result, results[0], args, round_), flush=True)
                if count:
                    ratios.setdefault(count, []).append(result["rate"] / results[0]["rate"])
        if args.repeat > 1:
            for count, values in ratios.items():
                print(f"N={count:,}: ingest ratio to the run without streams, median of {len(values)} rounds "
                      f"{statistics.median(values):.2f} (each: {', '.join(f'{v:.2f}' for v in values)})")
        refresh_ms = int(os.environ.get("BUYFREE_SCREEN_REFRESH_MS", "1500"))
        poll = await polling(servers, host, port, kiosk, args, refresh_ms)
        ms = sum(poll["cpu"].values()) * 1000
        print(f"polling walls today: {poll['per_wall']:.2f} requests/s per wall ({poll['callbacks']} callbacks every {refresh_ms} ms, the map "
              f"every 2 s); {ms:.2f} ms CPU per request (app {poll['cpu']['app'] * 1000:.2f} + postgres "
              f"{poll['cpu']['postgres'] * 1000:.2f} + redis {poll['cpu']['redis'] * 1000:.2f}); this server sustained "
              f"{poll['rate']:,.0f} requests/s (statuses {poll['statuses']})")
        for count in levels[1:]:
            need = count * poll["per_wall"]
            print(f"  {count:>5,} polling walls: {need:,.0f} requests/s = {need * ms / 1000:.1f} cores of CPU "
                  f"({need / poll['rate']:.1f} x what this server sustains), whether anything changed or not")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", default="100,1000,3000")
    parser.add_argument("--rate", type=float, default=50, help="purchases/s while the streams read")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--sustained-seconds", type=float, default=10)
    parser.add_argument("--polling-seconds", type=float, default=10)
    add_server_arguments(parser, workers=2)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all levels (the machine's speed swings: "
                        "each round's ratio is to its own run without streams, and the median is printed)")
    parser.add_argument("--in-workers", action="store_true",
                        help="choice (b), the earlier design: each API worker serves its own streams "
                             "(BUYFREE_STREAM_PROCESS=false) instead of the stream process beside them (a)")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
