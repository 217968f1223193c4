"""``python app.py scheduler``: the scheduled jobs, in a process of their own.

APScheduler's ``BlockingScheduler`` (never inside web workers: each worker
would run every job). The job table below is data: explicit ids, triggers,
``coalesce`` + ``max_instances=1`` for all, a misfire grace per job. Every run
goes through ``commands.jobrunner.run_job``: a lock per job (several scheduler
processes may run; each job runs once at a time across them) and a run record
in Postgres that /readyz and /metrics read.

This is the one place that composes ingest and analytics (they never import
each other): pickup expiry is ingest's cancel use case, followed by the same
Redis apply as an HTTP cancel.
"""
from __future__ import annotations

import logging
import signal
from datetime import date, datetime

from commands.jobrunner import Job, run_job

log = logging.getLogger("buyfree.scheduler")

HOUR = 3600


def job_table() -> list[Job]:
    from analytics.alerts import evaluate_alerts
    from analytics.jobs.heal import self_heal
    from analytics.jobs.roll import day_roll, nightly_reconcile
    from analytics.jobs.upkeep import devices_online, drop_stale_drivers, expire_untimed_keys
    from ingest.creatives import purge_ended
    from ingest.retention import maintain_partitions, purge_idempotency_keys

    return [
        Job("outbox_replay", replay, "interval", {"seconds": 3}, misfire_grace_time=10, at_start=True,
            description="apply outbox events Redis has not seen yet (after Redis was down or a crash)"),
        Job("self_heal", self_heal, "interval", {"seconds": 10}, lock_timeout=120, misfire_grace_time=30,
            at_start=True, description="rebuild Redis from Postgres when its full-build marker is missing"),
        Job("day_roll", day_roll, "cron", {"hour": 0, "minute": 0, "second": 20}, lock_timeout=300,
            misfire_grace_time=12 * HOUR, at_start=True,
            description="close the days since the last roll: reconcile them, push them to the 7-day lists"),
        Job("reconcile", nightly_reconcile, "cron", {"hour": 4, "minute": 30}, lock_timeout=300,
            misfire_grace_time=12 * HOUR,
            description="recompute yesterday from Postgres (late uploads included), repair Redis, count drift"),
        Job("pickup_expiry", expire_pickups, "interval", {"minutes": 5}, needs_redis=False, lock_timeout=120,
            misfire_grace_time=300, at_start=True,
            description="cancel orders awaiting pickup longer than BUYFREE_PICKUP_EXPIRY_HOURS"),
        Job("devices_online", devices_online, "interval", {"seconds": 30}, misfire_grace_time=30, at_start=True,
            description="count devices online; announce those that went offline", log_when=("went_offline",)),
        Job("device_presence", announce_presence, "interval", {"seconds": 30}, needs_redis=False,
            misfire_grace_time=30, at_start=True, log_when=("online", "offline"),
            description="device.online / device.offline events for devices whose presence changed"),
        Job("alerts", evaluate_alerts, "interval", {"minutes": 1}, needs_redis=False, misfire_grace_time=60,
            at_start=True, log_when=("opened", "resolved"),
            description="evaluate every alert rule: open what holds, resolve what cleared"),
        Job("stale_drivers", drop_stale_drivers, "interval", {"minutes": 1}, misfire_grace_time=60,
            at_start=True, description="drivers unseen for BUYFREE_DRIVER_STALE_MINUTES leave the live map"),
        Job("partitions", maintain_partitions, "cron", {"hour": 1, "minute": 10}, needs_redis=False,
            lock_timeout=120, misfire_grace_time=12 * HOUR, at_start=True,
            description="create the coming months' partitions; drop GPS and ad-play months past retention"),
        Job("idempotency_cleanup", purge_idempotency_keys, "cron", {"minute": 25}, needs_redis=False,
            lock_timeout=120, misfire_grace_time=HOUR, at_start=True,
            description="delete idempotency records older than BUYFREE_IDEMPOTENCY_DAYS"),
        Job("creative_retention", purge_ended, "cron", {"hour": 1, "minute": 40}, needs_redis=False,
            lock_timeout=300, misfire_grace_time=12 * HOUR, at_start=True,
            description="delete the creatives of ads ended BUYFREE_AD_PLAY_RETENTION_DAYS ago, and the stored "
                        "files no creative names any more"),
        Job("payments_sync", sync_payments, "interval", {"seconds": 15}, needs_redis=False, lock_timeout=120,
            misfire_grace_time=30, at_start=True,
            description="ask Alipay about payments pending over 30 s (lost notifications); close those past "
                        "BUYFREE_PAYMENT_EXPIRY_MINUTES"),
        Job("key_ttl_sweep", expire_untimed_keys, "cron", {"hour": 2, "minute": 40}, lock_timeout=300,
            misfire_grace_time=12 * HOUR, description="give time-bucketed Redis keys without a TTL their expiry"),
    ]


EXPIRE_BATCH = 200


def expire_pickups(store, now: datetime) -> dict:
    """Pickup expiry: ingest's cancel use case (the one behind a manual cancel: stock back, ledger
    reversed, a cancel event), then the same Redis apply as the HTTP cancel. Redis down: the events
    wait in the outbox for the replay, like any other."""
    from ingest.replenishments import expire_overdue

    cancelled = 0
    while True:
        events = expire_overdue(store, now, limit=EXPIRE_BATCH)
        store.committed.publish(events)
        cancelled += len(events)
        if len(events) < EXPIRE_BATCH:
            return {"cancelled": cancelled}


def announce_presence(store, now: datetime) -> dict:
    """ingest's presence announcement, then the same hand-off as any committed event."""
    from ingest.devices import announce_presence as announce

    events = announce(store, now)
    store.committed.publish(events)
    online = sum(1 for e in events if e.kind == "device_online")
    return {"online": online, "offline": len(events) - online}
def sync_payments(store, now: datetime) -> dict:
    """Payments sync: ingest's use case (Alipay's answers recorded like its notifications), then the
    same Redis apply as the notify endpoint. Nothing to do without payments configured."""
    from ingest.payments import sync_payments as sync

    if not store.settings.payments_configured:
        return {"skipped": "payments not configured"}
    counts, events = sync(store, now)
    store.committed.publish(events)
    return counts


class JobFailed(Exception):
    """A job that reports a failure in its result rather than raising (recorded as an error)."""


def replay(store, now: datetime) -> dict:
    from analytics import replay_outbox

    counts = replay_outbox(store)
    if "error" in counts:
        raise JobFailed(f"{counts['error']} (applied {counts['applied']} before it)")
    return counts


def add_arguments(parser) -> None:
    parser.add_argument("--run", metavar="JOB", action="append", default=[],
                        help="run this job once now (under its lock) and exit; repeatable")
    parser.add_argument("--list", action="store_true", help="list the jobs and exit")
    parser.add_argument("--reconcile", metavar="FROM[:TO]", type=date_range,
                        help="recompute these business days (YYYY-MM-DD) from Postgres, repair Redis, "
                             "print the drift and exit (under the reconcile job's lock)")
    parser.add_argument("--dry-run", action="store_true", help="with --reconcile: count the drift, repair nothing")


def date_range(value: str) -> tuple[date, date]:
    import argparse

    first, _, last = value.partition(":")
    try:
        span = date.fromisoformat(first), date.fromisoformat(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError("expected FROM[:TO] as YYYY-MM-DD[:YYYY-MM-DD]") from None
    if span[1] < span[0]:
        raise argparse.ArgumentTypeError("TO is before FROM")
    return span


def run(args) -> int:
    from config import load_settings
    from config.embedded import ensure_servers
    from analytics import follow_committed
    from store import Store

    settings = ensure_servers(load_settings())
    store = Store.from_settings(settings)
    follow_committed(store)  # the jobs' committed events reach the live figures
    jobs = {job.id: job for job in job_table()}
    try:
        if args.list:
            for job in jobs.values():
                print(f"{job.id:22} {job.trigger:8} {job.schedule}  {job.description}")
            return 0
        if args.reconcile:
            return reconcile_command(store, jobs["reconcile"], *args.reconcile, repair=not args.dry_run)
        if args.run:
            unknown = [name for name in args.run if name not in jobs]
            if unknown:
                print(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(jobs)}")
                return 2
            results = [run_job(store, jobs[name]) for name in args.run]
            for name, result in zip(args.run, results):
                print(f"{name}: {result.outcome} {result.detail or result.error or ''}")
            return 0 if all(r.outcome in ("ok", "busy") for r in results) else 1
        return serve_forever(store, list(jobs.values()))
    finally:
        store.close()


def reconcile_command(store, job: Job, first: date, last: date, *, repair: bool) -> int:
    import dataclasses
    import json

    from analytics.jobs.roll import reconcile_days

    on_demand = dataclasses.replace(job, func=lambda s, now: reconcile_days(s, first, last, repair=repair))
    result = run_job(store, on_demand)
    print(json.dumps({"outcome": result.outcome, **(result.detail or {}), "error": result.error}, indent=2))
    return 0 if result.outcome == "ok" else 1


def build_scheduler(store, jobs: list[Job], *, blocking: bool = True):
    """The APScheduler instance with one entry per job (``blocking=False`` gives a background one, for tests)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    tz = store.settings.tz
    cls = BlockingScheduler if blocking else BackgroundScheduler
    # A thread per job: a long rebuild or reconcile never delays the outbox replay.
    scheduler = cls(timezone=tz, executors={"default": ThreadPoolExecutor(max_workers=len(jobs) + 1)},
                    job_defaults={"coalesce": True, "max_instances": 1})
    now = datetime.now(tz)
    for job in jobs:
        options = {"next_run_time": now} if job.at_start else {}
        scheduler.add_job(run_job, job.trigger, args=[store, job], id=job.id, name=job.id, coalesce=True,
                          max_instances=1, misfire_grace_time=job.misfire_grace_time, replace_existing=True,
                          **options, **job.schedule)
    return scheduler


def serve_forever(store, jobs: list[Job]) -> int:
    # APScheduler logs every start of every job at INFO; the runner logs what matters.
    for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    scheduler = build_scheduler(store, jobs)

    def stop(signum, frame):
        log.info("scheduler stopping (signal %s)", signum)
        # Running jobs are not awaited: their locks expire, and every job is idempotent.
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: %s (time zone %s)", ", ".join(job.id for job in jobs), store.settings.timezone)
    scheduler.start()
    return 0
