"""Rebuild every Redis figure from Postgres while ingest goes on: nothing lost, nothing doubled.

1. A snapshot with an exact watermark: ``LOCK TABLE outbox IN SHARE MODE``
   waits out the transactions writing events and holds new ones for the
   moment it takes to export a snapshot and read ``max(id)`` = W. Outbox ids
   are drawn after that lock, so the snapshot holds exactly the events ≤ W.
2. In that snapshot, day-level facts are computed lane by lane into UNLOGGED
   tables of a schema per lane (``rebuild_<generation>_<lane>``, dropped at the
   end), and each lane's SQL aggregates are written to staging keys on a
   connection of its own as soon as its facts are committed
   (``analytics.rebuild.facts``, ``analytics.rebuild.staging``); catalogue,
   positions and bitmaps are re-indexed in place (idempotent writes).
3. Events ≤ W still pending in the snapshot get their dedupe keys now (mode
   ``p``: only the writes the rebuild does not replace), so that no later
   replay counts them again; their rows are marked applied.
4. Each scope is swapped atomically (``lua/swap.lua``): the replaced live keys
   go, the staging keys are renamed in, the scope's generation becomes G.
   Live applies keep running meanwhile; what they added before a swap is
   dropped with the old keys.
5. Events > W are re-applied in mode ``r:G``: once per scope (dedupe value G),
   only in scopes already swapped, and never twice with live applies made after
   the swap (those record G as well).
6. A full rebuild writes the marker (``has_full_build``).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import threading
import time
from datetime import date, datetime, timezone

from sqlalchemy import text

from analytics import keys, periods, scripts
from analytics.catalogue import index as catalogue
from analytics.live.apply import apply_events
from analytics.live.marks import flush as flush_marks
from analytics.live.planner import Planner
from analytics.rebuild.facts import LANES, SOURCE_LINES, STEPS, build_facts, fill_bitmaps, stage_lane
from analytics.rebuild.staging import STAGING_SECONDS, Filler, Staged, swap
from store import outbox
from store.locks import JobLock
from store.redis import with_timeout

log = logging.getLogger(__name__)

BATCH = 1000
# The rebuild's own Redis client waits this long for a reply (ingest's fails after 1 s): one swap call
# renames a scope's whole history, one fill call writes 512 kB (a second rebuild of the 400-day demo
# timed out in the swap at 1 s).
REPLY_SECONDS = 120.0
_POSITIONS = text("""
SELECT d.id AS driver_id, p.lat, p.lng, p.at FROM drivers d CROSS JOIN LATERAL (
  SELECT * FROM (
    (SELECT lat, lng, recorded_at AS at FROM gps_points g WHERE g.driver_id = d.id ORDER BY recorded_at DESC LIMIT 1)
    UNION ALL
    (SELECT lat, lng, occurred_at FROM purchases u WHERE u.driver_id = d.id AND u.lat IS NOT NULL
     ORDER BY occurred_at DESC LIMIT 1)) x ORDER BY at DESC LIMIT 1) p
""")


class RebuildBusy(Exception):
    """Another rebuild holds the lock."""


def replaced_by(since: date | None):
    """Which counted buckets a rebuild from ``since`` replaces (all of them without ``since``)."""
    first = periods.since_keys(since)
    if first is None:
        return lambda period, pkey: True
    return lambda period, pkey: period == "total" or (period in first and pkey >= first[period])


def rebuild(store, since: date | None = None, progress: bool = False) -> dict:
    lock = JobLock(store, "rebuild", timeout=60)
    if not lock.acquire():
        raise RebuildBusy("another rebuild is running")
    patient = dataclasses.replace(store, redis=with_timeout(store.redis, REPLY_SECONDS))
    try:
        return _rebuild(patient, since, progress)
    finally:
        lock.release()
        patient.redis.close()


def _rebuild(store, since: date | None, progress: bool) -> dict:
    from tqdm import tqdm

    started = time.monotonic()
    generation = secrets.token_hex(6)
    _clear_leftovers(store)
    flush_marks(store)  # this process's applied events: not pending in the snapshot (demo: one process)
    replaced = replaced_by(since)
    tz = store.settings.tz
    bar = tqdm(total=STEPS + 3, unit="step", desc="rebuild", disable=not progress)
    schemas = {lane: f"rebuild_{generation}_{lane}" for lane in LANES}
    lanes = {lane: Staged(store.redis, generation) for lane in LANES}
    workers: list[_Worker] = []  # the lanes' staging, appended by the fact chains as they go
    try:
        with store.engine.connect() as holder, store.engine.connect() as anchor:
            holder = holder.execution_options(isolation_level="REPEATABLE READ")
            anchor = anchor.execution_options(isolation_level="REPEATABLE READ")
            holder.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            watermark = outbox.watermark(holder)  # the transaction's snapshot: events <= watermark
            snapshot = holder.execute(text("SELECT pg_export_snapshot()")).scalar()
            anchor.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            holder.rollback()  # the lock goes: ingest writes events again
            # ``anchor`` keeps the snapshot alive (an export lives as long as its transaction)
            snapshot = anchor.execute(text("SELECT pg_export_snapshot()")).scalar()
            phases = {"snapshot": time.monotonic()}
            chains = {}
            for lane, spec in LANES.items():
                chains.setdefault(spec.chain, []).append(lane)
            facts = [_Worker(f"facts-{chain}", _facts_chain, store, snapshot, names, schemas, lanes, since, bar,
                             phases, workers) for chain, names in chains.items()]
            lines = anchor.execute(text(SOURCE_LINES)).scalar()
            scopes = _entity_scopes(anchor) | {keys.PLATFORM}
            pending = outbox.pending_upto(anchor, watermark)
            indexed = _reindex(store, anchor, generation)
            for worker in facts:
                worker.join()
                if worker.error is not None:
                    raise worker.error
            for worker in workers:
                worker.join()
                if worker.error is not None:
                    raise worker.error
            phases["staging"] = time.monotonic()
            anchor.rollback()
    finally:
        _drop_schemas(store, schemas.values())
    for staged in lanes.values():
        scopes |= staged.scopes
    bar.update(1)
    _settle_pending(store, pending, replaced)
    swap(store, scopes, generation, since)
    phases["swap"] = time.monotonic()
    bar.update(1)
    reapplied = _reapply_after(store, watermark, generation, replaced)
    phases["reapply"] = time.monotonic()
    bar.update(1)
    bar.close()
    seconds = time.monotonic() - started
    result = {"generation": generation, "watermark": watermark, "since": since.isoformat() if since else None,
              "lines": lines, "seconds": round(seconds, 3), "lines_per_second": round(lines / seconds) if seconds else 0,
              "scopes": len(scopes), "keys": sum(staged.count for staged in lanes.values()),
              "pending_at_snapshot": len(pending), "reapplied": reapplied, **indexed,
              "phase_seconds": _durations(started, phases)}
    if since is None:
        store.redis.set(keys.built(), json.dumps({
            "at": datetime.now(timezone.utc).isoformat(), "watermark": watermark, "generation": generation}))
    store.redis.delete(keys.rebuilding())
    log.info("rebuild done: %s", result)
    return result


class _Worker(threading.Thread):
    """A function on a thread of its own; its result or error kept for the rebuild's thread."""

    def __init__(self, name: str, func, *args):
        super().__init__(name=f"rebuild-{name}", daemon=True)
        self.func, self.args = func, args
        self.result, self.error = None, None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.func(*self.args)
        except BaseException as exc:  # re-raised by the rebuild's thread
            self.error = exc


def _facts_chain(store, snapshot: str, names: list[str], schemas: dict, lanes: dict, since, bar, phases: dict,
                 workers: list) -> None:
    """Facts of a chain's lanes one after the other; each lane's staging starts once its facts are in."""
    tz = store.settings.tz
    earlier: list[str] = []
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        for lane in names:
            spec = LANES[lane]
            inside, after = spec.facts
            path = ", ".join([schemas[lane], *earlier, "public"])  # the chain's earlier tables after its own
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            conn.exec_driver_sql(f'CREATE SCHEMA "{schemas[lane]}"')
            conn.exec_driver_sql(f"SET LOCAL search_path = {path}")
            build_facts(conn, inside, tz.key, parallel=spec.parallel)
            conn.commit()
            conn.exec_driver_sql(f"SET LOCAL search_path = {path}")  # later transactions: see what committed
            build_facts(conn, after, tz.key, parallel=spec.parallel)
            conn.commit()
            bar.update(len(inside) + len(after))
            phases[f"facts_{lane}"] = time.monotonic()
            workers.append(_Worker(lane, _stage_lane, store, path, lane, lanes[lane], since, bar))
            earlier.insert(0, schemas[lane])


def _stage_lane(store, path: str, lane: str, staged, since, bar) -> None:
    with store.engine.connect() as conn:
        conn.exec_driver_sql(f"SET LOCAL search_path = {path}")
        stage_lane(conn, lane, staged, since, store.settings.tz, bar)
        conn.rollback()


def _drop_schemas(store, names) -> None:
    with store.engine.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _clear_leftovers(store) -> None:
    """Fact schemas and staging keys of a rebuild that did not finish (the keys' TTL would remove
    them within a day)."""
    with store.engine.connect() as conn:
        names = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'")).scalars().all()
    _drop_schemas(store, names)
    if not store.redis.set(keys.rebuilding(), "1", ex=STAGING_SECONDS, get=True):
        return
    batch = []
    for key in store.redis.scan_iter(match=keys.STAGING + "*", count=10_000):
        batch.append(key)
        if len(batch) == 1000:
            _unlink(store, batch)
            batch = []
    _unlink(store, batch)


def _unlink(store, batch) -> None:
    pipe = store.redis.pipeline(transaction=False)
    for key in batch:
        pipe.unlink(key)  # one key per command: a cluster pipeline sends each to its slot
    pipe.execute()


def _durations(started: float, marks: dict) -> dict:
    out, last = {}, started
    for name, at in marks.items():
        out[name] = round(at - last, 3)
        last = at
    return out


def _entity_scopes(conn) -> set[str]:
    rows = conn.execute(text("SELECT 'station', id FROM stations UNION ALL SELECT 'driver', id FROM drivers "
                             "UNION ALL SELECT 'device', id FROM devices")).all()
    return {keys.scope_of(kind, owner) for kind, owner in rows}


def _reindex(store, conn, generation: str) -> dict:
    """Catalogue, live positions and activity bitmaps: written in place (every write is idempotent)."""
    pipe = store.redis.pipeline(transaction=False)
    counts = catalogue.index_all(store, pipe)
    pipe.execute()
    active_days = fill_bitmaps(conn, Filler(store.redis, generation), store.settings.tz)
    planner = Planner(store.settings.tz)
    positions = conn.execute(_POSITIONS).all()
    for row in positions:
        planner.position(row.driver_id, row.lat, row.lng, row.at.isoformat())
    calls = [("apply", [keys.dedupe(w.scope, 0), keys.generation(w.scope), keys.registry(w.scope), *w.keys],
              ["1", "i", w.spec(), keys.channel(), "", str(int(time.time()))]) for w in planner.writes.values()]
    for result in scripts.run(store.redis, calls):
        if isinstance(result, Exception):
            raise result
    return {**counts, "active_days": active_days, "positions": len(positions)}


def _settle_pending(store, rows, replaced) -> None:
    """Events the snapshot holds but Redis may not: dedupe them (and write what is not replaced)."""
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        done, _ = apply_events(store, chunk, mode="p", replaced=replaced)
        if done:
            with store.engine.begin() as conn:
                outbox.mark_applied(conn, done)


def _reapply_after(store, watermark: int, generation: str, replaced) -> int:
    """Events after the snapshot, once more under the new generation (their earlier writes were swapped out)."""
    after, count = watermark, 0
    while True:
        with store.engine.connect() as conn:
            rows = outbox.after(conn, after, BATCH)
        if not rows:
            return count
        apply_events(store, rows, mode=f"r:{generation}", replaced=replaced)
        count += len(rows)
        after = rows[-1].id
