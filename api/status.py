"""What the scheduler did, for /readyz and /metrics: the outbox backlog, the
last run and outcome of each job, whether a rebuild is running.

Read from Postgres (``job_runs``, ``outbox``), so the answers stay true while
Redis is down or empty. Registered by ``init_app`` (called by ``api.init_app``).
"""
from __future__ import annotations

from datetime import datetime, timezone


from analytics import keys
from api.metrics import register_gauge
from api.ops import add_ready
from store import get_store, jobruns, outbox
from stream.handoff import process_state

REBUILD_JOB = "self_heal"  # the job that rebuilds Redis when its marker is missing
DRIFT_JOBS = ("reconcile", "day_roll")  # jobs whose detail carries a "drifted" count


def outbox_backlog(store) -> int:
    with store.engine.connect() as conn:
        return outbox.backlog(conn)


def outbox_oldest_pending_seconds(store) -> float:
    with store.engine.connect() as conn:
        oldest = outbox.oldest_pending_at(conn)
    return 0.0 if oldest is None else max(0.0, (datetime.now(timezone.utc) - oldest).total_seconds())


def relay_backlog(store) -> int | None:
    """Events the AMQP relay has yet to publish (None without BUYFREE_AMQP_URL: nothing is published,
    and counting every row would cost a scan of the whole outbox)."""
    if not store.settings.amqp_url:
        return None
    with store.engine.connect() as conn:
        return outbox.unpublished_count(conn)


def _runs(store) -> list:
    with store.sessions() as session:
        return jobruns.all_runs(session)


def jobs_status(store) -> dict:
    tz = store.settings.tz

    def iso(value):
        return value.astimezone(tz).isoformat() if value else None

    return {run.job_id: {"running": jobruns.is_running(run), "last_started_at": iso(run.started_at),
                         "last_finished_at": iso(run.finished_at), "outcome": run.outcome, "error": run.error,
                         "duration_ms": run.duration_ms, "last_ok_at": iso(run.last_ok_at), "detail": run.detail}
            for run in _runs(store)}


def rebuild_status(store) -> dict:
    """Running: the heal job runs now and marked, during this run, that it began a rebuild —
    or someone holds the rebuild's own lock (``python app.py rebuild`` by hand)."""
    with store.sessions() as session:
        run = jobruns.get_run(session, REBUILD_JOB)
        since = jobruns.get_marker(session, jobruns.REBUILD_STARTED)
    running = bool(run and since and jobruns.is_running(run) and datetime.fromisoformat(since) >= run.started_at)
    if not running:
        try:
            running = bool(store.redis.exists(keys.rebuild_lock()))
            since = None
        except Exception:  # Redis down: nothing is being rebuilt into it either
            pass
    return {"running": running, "since": since if running else None}


def _per_job(value_of):
    def read(app):
        return {run.job_id: value_of(run) for run in _runs(get_store(app)) if value_of(run) is not None}
    return read


def _timestamp(value):
    return value.timestamp() if value else None


def init_app(app) -> None:
    """/readyz's scheduler readings and the scrape-time gauges, on this app."""
    for name, read in (("outbox_backlog", outbox_backlog), ("relay_backlog", relay_backlog), ("jobs", jobs_status),
                       ("rebuild", rebuild_status), ("stream", process_state)):
        add_ready(app, name, read)
    register_gauge(app, "buyfree_outbox_backlog", "Outbox events committed but not yet applied to Redis",
                   lambda app: outbox_backlog(get_store(app)))
    register_gauge(app, "buyfree_relay_backlog",
                   "Outbox events committed but not yet confirmed by RabbitMQ (with BUYFREE_AMQP_URL)",
                   lambda app: {} if (n := relay_backlog(get_store(app))) is None else n)  # {}: no sample
    register_gauge(app, "buyfree_outbox_oldest_pending_seconds", "Age of the oldest outbox event not yet applied",
                   lambda app: outbox_oldest_pending_seconds(get_store(app)))
    register_gauge(app, "buyfree_job_last_start_timestamp_seconds", "When each scheduled job last started (key=job)",
                   _per_job(lambda run: _timestamp(run.started_at)))
    register_gauge(app, "buyfree_job_last_success_timestamp_seconds", "When each job last finished ok (key=job)",
                   _per_job(lambda run: _timestamp(run.last_ok_at)))
    register_gauge(app, "buyfree_job_last_duration_seconds", "Duration of each job's last finished run (key=job)",
                   _per_job(lambda run: None if run.duration_ms is None else run.duration_ms / 1000))
    register_gauge(app, "buyfree_job_last_outcome_ok", "1 when the job's last run was ok, 0 on error or skip (key=job)",
                   _per_job(lambda run: None if run.outcome is None else int(run.outcome == "ok")))
    register_gauge(app, "buyfree_job_running", "1 while the job runs (key=job)",
                   _per_job(lambda run: int(jobruns.is_running(run))))
    register_gauge(app, "buyfree_job_failures", "Failed runs of each job since its record began (key=job)",
                   _per_job(lambda run: run.failures))
    register_gauge(app, "buyfree_reconcile_drifted_figures",
                   "Redis figures that differed from Postgres and were repaired by the last run (key=job)",
                   _per_job(lambda run: (run.detail or {}).get("drifted") if run.job_id in DRIFT_JOBS else None))
    register_gauge(app, "buyfree_rebuild_running", "1 while Redis is being rebuilt from Postgres",
                   lambda app: int(rebuild_status(get_store(app))["running"]))
