"""The app's own CPU per purchase, without an HTTP server: the WSGI app called in this process.

    python bench/app_cpu.py [--purchases 3000] [--batch 0] [--database-url postgresql://…/postgres]

A fresh database (dropped afterwards) and a private redis-server, as in
bench/ingest.py. Purchases go one after another through ``app.wsgi_app``
(``--batch 500``: batch uploads of that size), so nothing but the application
runs: the figure is the app's part of a purchase without gunicorn, sockets or
other requests. A first pass gives the total (``getrusage``); a second one,
with the main steps wrapped in per-thread CPU timers, shows where it goes
(the timers add a little of their own).
"""
from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.test import EnvironBuilder  # noqa: E402

from bench.ingest import purchase_body, seed  # noqa: E402
from bench.servers import ADMIN_TOKEN, BenchServers  # noqa: E402

# (module, attribute, label): the steps of a purchase, timed in the second pass
STEPS = [
    ("ingest.purchases", "record_group", "settlement (a group of single purchases)"),
    ("ingest.purchases", "record_batch", "settlement (a batch)"),
    ("sqlalchemy.engine.base:Connection", "execute", "  its SQL through SQLAlchemy"),
    ("analytics.live.apply", "apply_committed", "live Redis apply"),
    ("analytics.live.apply", "plan", "  planning (one event)"),
    ("analytics.live.apply", "plan_group", "  planning (a batch)"),
    ("analytics.scripts", "run", "  the script pipeline"),
    ("api.routing", "parse_body", "body parsing and validation"),
]


def _timed(spent: Counter, label: str, fn):
    @functools.wraps(fn)
    def timed(*args, **kwargs):
        started = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - started
    return timed


def _instrument(app, view: str, spent: Counter) -> None:
    import importlib

    for target, name, label in STEPS:
        module, _, cls = target.partition(":")
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        setattr(owner, name, _timed(spent, label, getattr(owner, name)))
    app.view_functions[view] = _timed(spent, "the view (all of the API's work)", app.view_functions[view])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--purchases", type=int, default=3000, help="purchases per pass")
    parser.add_argument("--batch", type=int, default=0, help="send batch uploads of this size instead")
    parser.add_argument("--database-url", default=os.environ.get("BUYFREE_DATABASE_URL"),
                        help="PostgreSQL server to create the bench database on (default: embedded)")
    args = parser.parse_args()

    with BenchServers(args.database_url, None, workers=0, threads=0) as servers:
        os.environ.update(servers.app_env)
        from app import create_app
        from store import get_store

        app = create_app()
        client = app.test_client()

        def post(path: str, body: dict, token: str | None = None, method: str = "POST", headers=None) -> dict:
            reply = client.open("/api/v1" + path, method=method, json=body,
                                headers={"Authorization": f"Bearer {token or ADMIN_TOKEN}", **(headers or {})})
            if reply.status_code not in (200, 201):
                raise RuntimeError(f"seeding {path}: {reply.status_code} {reply.get_data(as_text=True)}")
            return reply.json

        (token,) = seed(post, 1)
        keys = itertools.count()
        size = args.batch or 1
        path = "/api/v1/purchases/batch" if args.batch else "/api/v1/purchases"
        view = "purchases.create_purchases_batch" if args.batch else "purchases.create_purchase"

        def environ() -> dict:
            k = next(keys)
            headers = {"Authorization": f"Bearer {token}"}
            if args.batch:
                body = {"purchases": [{"idempotency_key": f"bench-{k}-{j}", **purchase_body(k * size + j)}
                                      for j in range(size)]}
            else:
                body, headers["Idempotency-Key"] = purchase_body(k), f"bench-{k}"
            return EnvironBuilder(path=path, method="POST", data=json.dumps(body), headers=headers,
                                  content_type="application/json").get_environ()

        def run(count: int) -> tuple[float, float, float, set]:
            requests = [environ() for _ in range(max(1, count // size))]  # built before the clock starts
            statuses = set()

            def start(status, headers, exc_info=None):
                statuses.add(status)

            before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            for env in requests:
                b"".join(app.wsgi_app(env, start))
            after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - started
            done = len(requests) * size / 1000  # per purchase, in ms
            return (after.ru_utime - before.ru_utime) / done, (after.ru_stime - before.ru_stime) / done, wall / done, statuses

        run(args.purchases // 10)  # warm-up: pools, prepared statements, caches
        user, system, wall, statuses = run(args.purchases)
        what = f"batches of {size}" if args.batch else "single purchases"
        print(f"in-process {what}: CPU per purchase user {user:.3f} + system {system:.3f} ms "
              f"(wall {wall:.3f} ms; {args.purchases:,} purchases; statuses {sorted(statuses)})")

        spent: Counter = Counter()
        _instrument(app, view, spent)
        run(args.purchases)
        print("  where it goes (CPU per purchase, second pass with timers):")
        for label in ["the view (all of the API's work)"] + [s[2] for s in STEPS]:
            if spent[label]:
                print(f"    {label:<34} {spent[label] / (args.purchases / 1000):.3f} ms")
        get_store(app).close()  # its outbox marks are written before the database goes
    return 0


if __name__ == "__main__":
    sys.exit(main())
