"""Live stream benchmark: N screens streaming while purchases come in, against the same run with none.

    python bench/stream.py [--streams 100,1000,3000] [--rate 50] [--seconds 15] [--sustained-seconds 10]
                           [--workers 2] [--threads 4] [--database-url postgresql://...] [--polling-seconds 10]

The app runs under gunicorn (``app.py serve``: the streams are served the way the
product serves them, handed from the worker's thread to its hub). For each N (0
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
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.httpload import closed_loop, open_loop  # noqa: E402
from bench.ingest import http_admin, purchase_body, seed  # noqa: E402
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


def rss_of(proc) -> int:
    root = psutil.Process(proc.pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def cpu_of(proc) -> float:
    if proc is None:
        return 0.0
    root = psutil.Process(proc.pid)
    return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])


def stream_server(servers):
    """Choice (a): the streams on a process of their own (one worker of the same server, nothing else
    sent to it), the purchases on the main server."""
    import subprocess

    from bench.servers import ROOT, free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port), "--workers", "1",
                             "--threads", "2"], env={**os.environ, **servers.app_env}, cwd=ROOT,
                            stdout=subprocess.DEVNULL)
    servers.procs.insert(0, proc)  # stopped with the rest; procs[-1] stays the main server
    servers._wait(f"http://127.0.0.1:{port}/healthz", 60)
    return port, proc


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def one_level(servers, host, port, tokens, count: int, args, keys, streams_at=None) -> dict:
    """``streams_at``: (port, process) of a server of its own for the streams (choice (a))."""
    stream_port, stream_proc = streams_at or (port, None)
    memory_of = (lambda: rss_of(stream_proc)) if stream_proc else (lambda: rss(servers))
    memory_before = memory_of()
    screens = ScreenProcess(host, stream_port, count) if count else None
    if screens is not None:
        await screens.ready()
    await asyncio.sleep(1.0)  # let the allocator settle
    memory_after = memory_of()
    replies: dict[str, float] = {}

    def purchase(n: int, i: int):
        k = next(keys)
        return ("POST", "/api/v1/purchases", json.dumps(purchase_body(k)).encode(),
                {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"stream-{k}"})

    def on_reply(status: int, body: bytes, at: float) -> None:
        if status == 201:
            replies[json.loads(body)["id"]] = at

    cpu_before, wall_started = servers.cpu_seconds()["app"] + cpu_of(stream_proc), time.perf_counter()
    tally = await open_loop(host, port, args.rate, args.seconds, purchase, connections=16, on_reply=on_reply)
    await asyncio.sleep(1.0)  # the last lines' window
    cpu_after, wall = servers.cpu_seconds()["app"] + cpu_of(stream_proc), time.perf_counter() - wall_started
    before, streams_before = servers.cpu_seconds(), cpu_of(stream_proc)
    sustained, elapsed = await closed_loop(host, port, args.connections, args.sustained_seconds, purchase)
    after, streams_after = servers.cpu_seconds(), cpu_of(stream_proc)
    arrivals, read = await screens.stop() if screens is not None else ({}, 0)  # open through both phases
    latencies = [at - replies[pid] for pid, ats in arrivals.items() if pid in replies for at in ats]
    delivered = sum(1 for pid in replies if pid in arrivals)
    stored = max(sustained.statuses.get(201, 0), 1)
    per_purchase = (sum(after[k] - before[k] for k in ("app", "postgres", "redis"))
                    + streams_after - streams_before) / stored  # what the server spends per purchase, streams included
    await asyncio.sleep(0.5)
    return {"streams": count, "memory": memory_after - memory_before, "latencies": latencies,
            "delivered": delivered, "purchases": len(replies), "statuses": tally.statuses,
            "app_cpu_per_s": (cpu_after - cpu_before) / wall,
            "rate": sustained.statuses.get(201, 0) / elapsed, "bytes": read,
            "cpu_per_purchase": per_purchase}


async def run(args) -> None:
    limit = raise_fd_limit()
    levels = [0] + [int(n) for n in args.streams.split(",")]
    print(f"file-descriptor limit raised to {limit:,} (this process and the server it starts); "
          f"gunicorn {args.workers} workers x {args.threads} threads; {args.rate:.0f} purchases/s while streams read; "
          f"streams served {'by a process of their own (a)' if args.separate else 'inside the API workers (b)'}; "
          f"machine: {os.cpu_count()} cores, shared with other work (read the ratios)")
    with BenchServers(args.database_url, None, args.workers, args.threads) as servers:
        post = http_admin(servers.app_url)
        tokens = seed(post, 64)
        kiosk = post("/screens", {"label": "bench wall", "station_id": None})["token"]
        url = urlsplit(servers.app_url)
        host, port = url.hostname, url.port
        keys = itertools.count()
        warm = await one_level(servers, host, port, tokens, 0, argparse.Namespace(**{**vars(args), "seconds": 2,
                                                                                     "sustained_seconds": 2}), keys)
        assert warm["statuses"].get(201), warm["statuses"]  # pools, prepared statements, Dash's first requests
        results = []
        streams_at = stream_server(servers) if args.separate else None
        for count in levels:
            result = await one_level(servers, host, port, tokens, count, args, keys, streams_at)
            results.append(result)
            base = results[0]
            line = [f"N={count:>5,}:"]
            if count:
                lat = result["latencies"]
                line.append(f"201-to-event p50 {percentile(lat, 0.5) * 1000:.0f} ms, p95 {percentile(lat, 0.95) * 1000:.0f} ms "
                            f"({len(lat):,} arrivals at {min(count, SAMPLED)} sampled streams; "
                            f"{result['delivered']}/{result['purchases']} purchases had a ticker line);")
                line.append(f"memory {result['memory'] / count / 1024:.1f} KB per idle stream;")
                extra = result["app_cpu_per_s"] - base["app_cpu_per_s"]
                line.append(f"app CPU {result['app_cpu_per_s'] * 1000:.0f} ms/s ({extra * 1000:+.0f} vs none: "
                            f"{extra / count * 1e6:.0f} µs/s per stream); {result['bytes'] / 1e6:.0f} MB read;")
            else:
                line.append(f"app CPU {result['app_cpu_per_s'] * 1000:.0f} ms/s at {args.rate:.0f} purchases/s;")
            line.append(f"ingest {result['rate']:,.0f} purchases/s sustained"
                        + (f" ({result['rate'] / base['rate']:.2f} x the run without streams)" if count else "")
                        + f", server CPU {result['cpu_per_purchase'] * 1000:.2f} ms per purchase"
                        + (f" (capacity {base['cpu_per_purchase'] / result['cpu_per_purchase']:.2f} x without streams)"
                           if count else ""))
            print(" ".join(line), flush=True)
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
    parser.add_argument("--separate", action="store_true",
                        help="choice (a): serve the streams from a process of their own, not the API's workers")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
