"""The scheduler's own records: the last run of each job, and small durable markers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base


class JobRun(Base):
    """One row per job id, overwritten by each run that held the job's lock.

    Kept in Postgres (not Redis) so that /readyz and /metrics can still tell
    what the scheduler did while Redis is down or was just emptied.
    """
    __tablename__ = "job_runs"
    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(TZ)
    finished_at: Mapped[datetime | None] = mapped_column(TZ)  # older than started_at: running now
    outcome: Mapped[str | None] = mapped_column(String(16))  # ok | error | skipped, of the last finished run
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict | None] = mapped_column(JSONB)  # what the job reports (counts, drift)
    instance: Mapped[str | None] = mapped_column(String(100))  # host:pid of the scheduler that ran it
    last_ok_at: Mapped[datetime | None] = mapped_column(TZ)
    runs: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    failures: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SchedulerMarker(Base):
    """A named value the jobs keep between runs (e.g. the last rolled business day)."""
    __tablename__ = "scheduler_markers"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TZ)
