"""/readyz and /metrics tell what the scheduler did: backlog, each job's last run, rebuild."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from commands.jobrunner import Job, run_job

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _pending(store, n):
    with store.transaction() as session:
        for _ in range(n):
            session.execute(text("INSERT INTO outbox (kind, payload) VALUES ('driver_active', '{}')"))


def test_readyz_shows_backlog_and_each_jobs_last_run(client, store):
    _pending(store, 3)
    run_job(store, Job("partitions", lambda s, now: {"created": 0}, "cron", {}), NOW)
    run_job(store, Job("reconcile", lambda s, now: 1 / 0, "cron", {}), NOW)
    body = client.get("/readyz").get_json()
    assert body["outbox_backlog"] == 3
    assert body["jobs"]["partitions"]["outcome"] == "ok" and body["jobs"]["partitions"]["running"] is False
    assert body["jobs"]["partitions"]["last_ok_at"].endswith("+08:00")
    assert body["jobs"]["reconcile"]["outcome"] == "error"
    assert "ZeroDivisionError" in body["jobs"]["reconcile"]["error"]
    assert body["rebuild"] == {"running": False, "since": None}


def test_metrics_expose_backlog_job_outcomes_and_drift(client, store):
    _pending(store, 2)
    run_job(store, Job("day_roll", lambda s, now: {"drifted": 4}, "cron", {}), NOW)
    run_job(store, Job("stale_drivers", lambda s, now: 1 / 0, "cron", {}), NOW)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "buyfree_outbox_backlog 2.0" in metrics
    assert 'buyfree_job_last_outcome_ok{key="day_roll"} 1.0' in metrics
    assert 'buyfree_job_last_outcome_ok{key="stale_drivers"} 0.0' in metrics
    assert 'buyfree_job_failures{key="stale_drivers"} 1.0' in metrics
    assert 'buyfree_reconcile_drifted_figures{key="day_roll"} 4.0' in metrics
    assert "buyfree_rebuild_running 0.0" in metrics


def test_readyz_says_when_a_rebuild_is_running(client, store):
    from analytics import keys
    from store import jobruns

    started = datetime.now(timezone.utc)
    with store.transaction() as session:  # the heal job has started and begun a rebuild
        jobruns.record_start(session, "self_heal", started, "host:1")
        jobruns.set_marker(session, jobruns.REBUILD_STARTED, started.isoformat(), started)
    body = client.get("/readyz").get_json()
    assert body["rebuild"] == {"running": True, "since": started.isoformat()}
    assert "buyfree_rebuild_running 1.0" in client.get("/metrics").get_data(as_text=True)
    with store.transaction() as session:  # and finished
        jobruns.record_finish(session, "self_heal", started_at=started, finished_at=datetime.now(timezone.utc),
                              outcome="ok", error=None, detail={"rebuilt": True}, instance="host:1")
    assert client.get("/readyz").get_json()["rebuild"]["running"] is False
    store.redis.set(keys.rebuild_lock(), "token")  # a rebuild started by hand
    assert client.get("/readyz").get_json()["rebuild"]["running"] is True
