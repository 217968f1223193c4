"""Run one scheduled job: take its lock, record the run, never let it raise.

Jobs are plain functions ``func(store, now) -> dict | None`` (the dict is the
run's detail: counts, drift). ``now`` is an aware datetime passed in, so tests
drive jobs with a controllable clock instead of sleeping.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from store import jobruns
from store.locks import JobLock, RedisUnavailable

log = logging.getLogger("buyfree.scheduler")


@dataclass(frozen=True)
class Job:
    """One row of the job table: what to run, when, and how it is guarded."""
    id: str
    func: Callable
    trigger: str  # "interval" or "cron", APScheduler's trigger names
    schedule: dict  # the trigger's arguments, e.g. {"seconds": 3} or {"hour": 0, "minute": 0, "second": 30}
    needs_redis: bool = True  # False: runs under a Postgres advisory lock when Redis is down
    lock_timeout: float = 60  # seconds; the lock is extended while the job runs
    misfire_grace_time: int = 60  # seconds late a run may still start (then coalesced into one)
    at_start: bool = False  # also run once when the scheduler starts (catch up after downtime)
    description: str = ""
    log_when: tuple[str, ...] = ()  # detail keys whose non-zero value makes a run worth an INFO line (all: ())


@dataclass
class RunResult:
    outcome: str  # ok | error | skipped (Redis down) | busy (another instance holds the lock)
    detail: dict | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)


def run_job(store, job: Job, now: datetime | None = None, *, instance: str | None = None) -> RunResult:
    now = now or datetime.now(store.settings.tz)
    instance = instance or _instance()
    lock = JobLock(store, job.id, timeout=job.lock_timeout, postgres_fallback=not job.needs_redis)
    try:
        held = lock.acquire()
    except RedisUnavailable as exc:
        started = _utcnow()
        _record(store, job.id, started, "skipped", f"Redis unavailable: {exc}", None, instance)
        log.warning("job %s skipped: Redis unavailable", job.id)
        return RunResult("skipped", error=str(exc))
    except Exception as exc:  # Postgres down for the fallback lock, too
        log.error("job %s: no lock could be taken: %s", job.id, exc)
        return RunResult("error", error=f"{type(exc).__name__}: {exc}")
    if not held:
        log.debug("job %s: another instance holds the lock", job.id)
        return RunResult("busy")
    try:
        started = _utcnow()
        _safe(store, lambda s: jobruns.record_start(s, job.id, started, instance))
        try:
            detail = job.func(store, now) or {}
            outcome, error = "ok", None
        except Exception as exc:
            log.exception("job %s failed", job.id)
            detail, outcome, error = None, "error", f"{type(exc).__name__}: {exc}"[:2000]
        if lock.lost:
            detail = {**(detail or {}), "lock_lost": True}
        _record(store, job.id, started, outcome, error, detail, instance)
        if outcome == "ok":
            level = logging.INFO if _worth_logging(detail, job.log_when) else logging.DEBUG
            log.log(level, "job %s: %s", job.id, detail)
        return RunResult(outcome, detail, error, {"lock": lock.kind})
    finally:
        lock.release()


def _worth_logging(detail: dict, keys: tuple[str, ...]) -> bool:
    """Frequent jobs log only when they did something (a count above zero)."""
    return any(isinstance(v, (int, float)) and v for k, v in detail.items() if not keys or k in keys)


def _record(store, job_id, started, outcome, error, detail, instance) -> None:
    finished = _utcnow()
    _safe(store, lambda s: jobruns.record_finish(s, job_id, started_at=started, finished_at=finished,
                                                 outcome=outcome, error=error, detail=detail, instance=instance))


def _safe(store, write: Callable) -> None:
    """Records are best effort: a job's work must not fail because its record could not be written."""
    try:
        with store.transaction() as session:
            write(session)
    except Exception as exc:
        log.warning("job record not written: %s", exc)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
