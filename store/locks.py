"""One lock per scheduled job, so that several scheduler processes run each job once.

The lock is redis-py's ``Lock`` (``SET NX PX`` with a random token, released
and extended by Lua that checks the token), kept alive by a thread that calls
``reacquire`` while the job runs: a long rebuild keeps its lock, a crashed
process loses it after ``timeout`` seconds.

When Redis cannot be reached, jobs that need only Postgres fall back to a
Postgres session advisory lock (``pg_try_advisory_lock``), held on a
connection of their own and freed by Postgres if the process dies. While one
instance sees Redis and another does not, both may run such a job; every job
is idempotent, so that costs time, not correctness.
"""
from __future__ import annotations

import logging
import threading

import redis
from sqlalchemy import text

log = logging.getLogger(__name__)

PG_LOCK_NAMESPACE = 0x42464A42  # "BFJB": the classid half of the two-int advisory lock key
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class RedisUnavailable(Exception):
    """Redis could not be reached to take a lock for a job that needs Redis anyway."""


def lock_key(job_id: str) -> str:
    return f"bf:lock:job:{job_id}"


class JobLock:
    """``with JobLock(store, "day_roll", timeout=60) as held: if held: ...``

    ``held`` is False when another instance holds the lock. Raises
    ``RedisUnavailable`` only when Redis is down and ``postgres_fallback`` is off.
    """

    def __init__(self, store, job_id: str, *, timeout: float = 60, postgres_fallback: bool = False):
        self.store = store
        self.job_id = job_id
        self.timeout = timeout
        self.postgres_fallback = postgres_fallback
        self.kind: str | None = None  # "redis" or "postgres" once held
        self.lost = False
        self._lock = None
        self._conn = None
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def acquire(self) -> bool:
        try:
            self._lock = self.store.redis.lock(lock_key(self.job_id), timeout=self.timeout, blocking=False,
                                               thread_local=False)
            held = self._lock.acquire()
        except REDIS_ERRORS as exc:
            self._lock = None
            if not self.postgres_fallback:
                raise RedisUnavailable(str(exc)) from exc
            log.warning("job %s: Redis unreachable (%s), using a Postgres advisory lock", self.job_id, exc)
            return self._acquire_postgres()
        if held:
            self.kind = "redis"
            self._keeper = threading.Thread(target=self._keep, name=f"lock-{self.job_id}", daemon=True)
            self._keeper.start()
        return held

    def _acquire_postgres(self) -> bool:
        self._conn = self.store.engine.connect()
        held = self._conn.execute(text("SELECT pg_try_advisory_lock(:ns, hashtext(:job))"),
                                  {"ns": PG_LOCK_NAMESPACE, "job": self.job_id}).scalar()
        self._conn.commit()  # the advisory lock belongs to the session, not to this transaction
        if not held:
            self._conn.close()
            self._conn = None
            return False
        self.kind = "postgres"
        return True

    def _keep(self) -> None:
        # Reset the TTL to the full timeout every third of it: a job may run
        # longer than ``timeout`` while its process lives.
        while not self._stop.wait(self.timeout / 3):
            try:
                self._lock.reacquire()
            except redis.exceptions.LockNotOwnedError:
                self.lost = True
                log.warning("job %s: lost its lock (expired while Redis was slow?); it runs on, idempotent",
                            self.job_id)
                return
            except REDIS_ERRORS as exc:
                log.warning("job %s: could not extend its lock: %s", self.job_id, exc)

    def release(self) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join()
        if self.kind == "redis":
            try:
                self._lock.release()
            except (redis.exceptions.LockError, *REDIS_ERRORS) as exc:
                # Expired or Redis gone: the key times out on its own.
                log.info("job %s: lock release: %s", self.job_id, exc)
        elif self.kind == "postgres" and self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:job))"),
                                   {"ns": PG_LOCK_NAMESPACE, "job": self.job_id})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        self.kind = None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
