"""Self-healing: Redis emptied while ingest goes on → rebuilt by itself, nothing lost or doubled."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from analytics import has_full_build, keys
from commands.jobrunner import run_job
from commands.scheduler import job_table
from store import jobruns
from tests.analytics.sales import days_between, open_shop, wrong_figures

def _job(name):
    return next(job for job in job_table() if job.id == name)


def test_flushdb_during_ingest_heals_itself(api, store):
    shop = open_shop(api, store)
    tz = store.settings.tz
    heal, replay = _job("self_heal"), _job("outbox_replay")
    now = datetime.now(tz)
    assert run_job(store, heal).detail["rebuilt"] is True  # empty Redis: the first build
    for back in range(1, 6):  # some history, so the rebuild has work to do
        shop.buy(shop.devices[back % 2], [("COLA", back), ("CHIPS", 1)], now - timedelta(days=back))
        orders = shop.order(shop.drivers[back % 2], [(shop.stations[0], "WATER", back), (shop.stations[1], "COLA", 2)],
                            now - timedelta(days=back, hours=1))
    shop.cancel(orders[0]["order_id"])

    sold = threading.Semaphore(0)
    stop = threading.Event()
    errors = []

    def ingest():  # devices and drivers keep selling; every third sale finds Redis "down" (left pending)
        n = 0
        try:
            while not stop.is_set():
                n += 1
                shop.buy(shop.devices[n % 2], [("COLA", 1 + n % 3)], datetime.now(tz), apply=True if n % 3 else None)
                shop.order(shop.drivers[n % 2], [(shop.stations[n % 2], "CHIPS", 1)], datetime.now(tz))
                if n % 5 == 0:
                    run_job(store, replay)  # the replay job, as the scheduler runs it every few seconds
                sold.release()
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
            sold.release()

    thread = threading.Thread(target=ingest)
    thread.start()
    try:
        for _ in range(10):
            assert sold.acquire(timeout=30)
        store.redis.flushdb()  # Redis restarted empty
        assert not has_full_build(store)
        result = run_job(store, heal)  # what the scheduler runs every 10 s
        assert result.outcome == "ok" and result.detail["rebuilt"] is True, result
        for _ in range(10):  # ingest went on during and after the rebuild
            assert sold.acquire(timeout=30)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    run_job(store, replay)
    assert has_full_build(store)
    assert run_job(store, heal).detail == {"rebuilt": False}
    days = days_between((now - timedelta(days=5)).date(), datetime.now(tz).date())
    assert wrong_figures(store, days) == []  # every figure equals the SQL truth: nothing lost, nothing doubled
    listed = store.redis.lrange(keys.closed_days("p", "retail"), 0, -1)
    assert len(listed) == 5  # the closed-day lists came back too
    with store.sessions() as session:  # and the day roll has nothing left to do
        assert jobruns.get_marker(session, jobruns.LAST_ROLLED_DAY) == (now.date() - timedelta(days=1)).isoformat()


def test_a_new_install_is_built_by_itself(store):
    """Empty Postgres, empty Redis (a new cluster): the heal builds it, and then leaves it alone."""
    assert not has_full_build(store)
    first = run_job(store, _job("self_heal"))
    assert first.outcome == "ok" and first.detail["rebuilt"] is True, first.error
    assert has_full_build(store)
    assert run_job(store, _job("self_heal")).detail == {"rebuilt": False}
