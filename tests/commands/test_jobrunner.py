"""The job runner: one run per job across instances, run records, Redis down."""
from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timezone

from commands.jobrunner import Job, run_job
from store import jobruns
from store.locks import lock_key
from store.redis import make_redis
from tests.helpers import closed_port

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _record(store, job_id):
    with store.sessions() as session:
        return jobruns.get_run(session, job_id)


def test_a_run_is_recorded_with_its_outcome_and_detail(store):
    calls = []
    job = Job("t_ok", lambda s, now: calls.append(now) or {"done": 3}, "interval", {"seconds": 5})
    result = run_job(store, job, NOW)
    assert result.outcome == "ok" and calls == [NOW]
    run = _record(store, "t_ok")
    assert run.outcome == "ok" and run.detail == {"done": 3} and run.error is None
    assert run.finished_at >= run.started_at and run.last_ok_at == run.finished_at and run.runs == 1
    assert not jobruns.is_running(run)
    assert store.redis.exists(lock_key("t_ok")) == 0  # released


def test_a_failing_run_keeps_the_last_success(store):
    state = {"fail": False}

    def func(s, now):
        if state["fail"]:
            raise RuntimeError("disk on fire")
        return {}

    job = Job("t_fail", func, "interval", {"seconds": 5})
    run_job(store, job, NOW)
    first_ok = _record(store, "t_fail").last_ok_at
    state["fail"] = True
    assert run_job(store, job, NOW).outcome == "error"
    run = _record(store, "t_fail")
    assert run.outcome == "error" and "disk on fire" in run.error
    assert run.last_ok_at == first_ok and run.runs == 2 and run.failures == 1


def test_two_instances_at_once_run_the_job_once(store):
    entered, finish = threading.Event(), threading.Event()
    runs = []

    def func(s, now):
        runs.append(threading.current_thread().name)
        entered.set()
        assert finish.wait(30)
        return {}

    job = Job("t_once", func, "interval", {"seconds": 5})
    results = {}
    first = threading.Thread(target=lambda: results.update(a=run_job(store, job, NOW, instance="a")), name="a")
    first.start()
    assert entered.wait(30)
    # The second scheduler fires the same job while the first still runs it.
    results["b"] = run_job(store, job, NOW, instance="b")
    finish.set()
    first.join()
    assert results["b"].outcome == "busy" and results["a"].outcome == "ok"
    assert runs == ["a"]
    assert _record(store, "t_once").instance == "a" and _record(store, "t_once").runs == 1


def test_many_instances_racing_run_the_job_once(store):
    start = threading.Barrier(4)
    runs = []
    release = threading.Event()

    def func(s, now):
        runs.append(1)
        release.wait(5)
        return {}

    job = Job("t_race", func, "interval", {"seconds": 5})
    outcomes = []

    def instance():
        start.wait()
        outcomes.append(run_job(store, job, NOW).outcome)
        release.set()

    threads = [threading.Thread(target=instance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["busy", "busy", "busy", "ok"] and runs == [1]


def test_the_lock_is_extended_while_a_long_job_runs(store):
    """A job running longer than its lock timeout keeps the lock: no second instance slips in."""
    done = threading.Event()
    job = Job("t_long", lambda s, now: done.wait(30) and {}, "interval", {"seconds": 5}, lock_timeout=0.6)
    thread = threading.Thread(target=run_job, args=(store, job, NOW))
    thread.start()
    while not store.redis.exists(lock_key("t_long")):
        time.sleep(0.01)
    started = time.monotonic()
    outcomes = []
    while time.monotonic() - started < 2.0:  # more than three lock timeouts
        outcomes.append(run_job(store, job, NOW).outcome)
        time.sleep(0.1)
    done.set()
    thread.join()
    assert set(outcomes) == {"busy"}




def test_redis_down_postgres_jobs_run_under_an_advisory_lock(store):
    dead = dataclasses.replace(store, redis=make_redis(f"redis://127.0.0.1:{closed_port()}/0"))
    pg_job = Job("t_pg", lambda s, now: {"n": 1}, "interval", {"seconds": 5}, needs_redis=False)
    result = run_job(dead, pg_job, NOW)
    assert result.outcome == "ok" and result.extra["lock"] == "postgres"
    assert _record(store, "t_pg").outcome == "ok"

    redis_job = Job("t_rd", lambda s, now: {}, "interval", {"seconds": 5})
    assert run_job(dead, redis_job, NOW).outcome == "skipped"
    run = _record(store, "t_rd")
    assert run.outcome == "skipped" and "Redis unavailable" in run.error


def test_redis_down_two_instances_still_run_a_postgres_job_once(store):
    dead = dataclasses.replace(store, redis=make_redis(f"redis://127.0.0.1:{closed_port()}/0"))
    entered, finish = threading.Event(), threading.Event()
    runs = []

    def func(s, now):
        runs.append(1)
        entered.set()
        finish.wait(30)
        return {}

    job = Job("t_pg_once", func, "interval", {"seconds": 5}, needs_redis=False)
    thread = threading.Thread(target=run_job, args=(dead, job, NOW))
    thread.start()
    assert entered.wait(30)
    second = run_job(dead, job, NOW)
    finish.set()
    thread.join()
    assert second.outcome == "busy" and runs == [1]
