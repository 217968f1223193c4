"""Data access for the scheduler's records (``job_runs``, ``scheduler_markers``).

Every function takes a ``Session`` and never commits: the caller owns the
transaction (the job runner writes each record in its own short one, so that a
failing job still leaves its record).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from store.models import JobRun, SchedulerMarker

# Marker names shared by the jobs that write them and the status pages that read them.
LAST_ROLLED_DAY = "last_rolled_day"  # the last business day the day roll closed (YYYY-MM-DD)
REBUILD_STARTED = "rebuild_started_at"  # when the heal job began its latest rebuild (ISO time)


def record_start(session: Session, job_id: str, started_at: datetime, instance: str) -> None:
    stmt = insert(JobRun).values(job_id=job_id, started_at=started_at, instance=instance)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[JobRun.job_id], set_={"started_at": started_at, "instance": instance}))


def record_finish(session: Session, job_id: str, *, started_at: datetime, finished_at: datetime, outcome: str,
                  error: str | None, detail: dict | None, instance: str) -> None:
    duration_ms = max(0, int((finished_at - started_at).total_seconds() * 1000))
    values = dict(job_id=job_id, started_at=started_at, finished_at=finished_at, outcome=outcome,
                  error=error, duration_ms=duration_ms, detail=detail, instance=instance,
                  last_ok_at=finished_at if outcome == "ok" else None,
                  runs=1, failures=1 if outcome == "error" else 0)
    stmt = insert(JobRun).values(**values)
    excluded = stmt.excluded
    session.execute(stmt.on_conflict_do_update(index_elements=[JobRun.job_id], set_={
        "started_at": excluded.started_at, "finished_at": excluded.finished_at, "outcome": excluded.outcome,
        "error": excluded.error, "duration_ms": excluded.duration_ms, "detail": excluded.detail,
        "instance": excluded.instance,
        # keep the last success when this run failed: "when did it last work" is the useful question
        "last_ok_at": JobRun.last_ok_at if outcome != "ok" else excluded.last_ok_at,
        "runs": JobRun.runs + 1, "failures": JobRun.failures + excluded.failures,
    }))


def all_runs(session: Session) -> list[JobRun]:
    return list(session.scalars(select(JobRun).order_by(JobRun.job_id)))


def get_run(session: Session, job_id: str) -> JobRun | None:
    return session.get(JobRun, job_id)


def is_running(run: JobRun) -> bool:
    return run.finished_at is None or run.finished_at < run.started_at


def get_marker(session: Session, name: str) -> str | None:
    return session.scalar(select(SchedulerMarker.value).where(SchedulerMarker.name == name))


def set_marker(session: Session, name: str, value: str, now: datetime) -> None:
    stmt = insert(SchedulerMarker).values(name=name, value=value, updated_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=[SchedulerMarker.name],
                                               set_={"value": value, "updated_at": now}))
