"""Apply committed outbox events to Redis, exactly once, and mark them applied
(behind the request, in batches: ``analytics.live.marks``).

Each event becomes one ``lua/apply.lua`` run per scope it touches (see
``analytics.live.plan``); all runs of a batch go in one pipeline. The script sets
the event's dedupe key with ``SET NX EX`` before it increments anything, so a
second apply of the same event — a retry, a concurrent replay, a crash
between the Redis apply and the Postgres mark — changes nothing.

Redis being down never reaches ingest: ``apply_committed`` logs, leaves the
rows pending and stops trying for a moment (a dead Redis must not add a
timeout to every request); ``replay_outbox`` applies them later.
"""
from __future__ import annotations

import logging
import threading
import time
from redis import exceptions as exc
from redis.exceptions import RedisError

from analytics import keys, scripts
from analytics.catalogue import index
from analytics.live import marks
from analytics.live.plan import plan, plan_group
from analytics.live.write import Write
from store import outbox

log = logging.getLogger(__name__)

DEDUPE_SECONDS = 3 * 86400  # far beyond a replay's delay; see docs/internals.md
PAUSE_SECONDS = 2.0  # after a Redis failure, skip live applies this long (the replay catches up)
REDIS_ERRORS = (RedisError, OSError)
SERVER_STATES = (exc.ConnectionError, exc.TimeoutError, exc.BusyLoadingError, exc.ReadOnlyError,
                 exc.OutOfMemoryError, exc.ClusterDownError, exc.TryAgainError, exc.MasterDownError)


def apply_committed(store, events) -> None:
    """Apply events just committed by an ingest use case; never raises.

    ``events``: objects with ``id``, ``kind``, ``payload`` (the outbox rows).
    """
    events = list(events or ())
    if not events or _paused(store):
        return
    try:
        done, failed = apply_events(store, events)
    except REDIS_ERRORS as exc:
        _pause(store)
        log.warning("Redis apply failed, %d event(s) left for the replay: %s", len(events), exc)
        return
    except Exception:  # a bug must not fail the request: the replay retries and counts attempts
        log.exception("analytics apply failed")
        return
    _mark(store, done)


def apply_events(store, events, *, mode: str = "", replaced=None) -> tuple[list[int], list[int]]:
    """Run the writes of ``events`` in one pipeline; return (done ids, failed ids).

    ``mode`` "" is the live apply; ``analytics.rebuild`` uses the others of
    ``lua/apply.lua`` with ``replaced(period, pkey)`` naming the figures it
    swaps. Connection errors raise; an event whose payload cannot be planned
    or whose script failed is in the failed list.
    """
    bad = _index(store, events)
    if not bad:
        return _apply(store, events, mode, replaced)
    done, failed = _apply(store, [e for e in events if e.id not in bad], mode, replaced)
    return done, sorted({*failed, *bad})


def _apply(store, events, mode: str, replaced) -> tuple[list[int], list[int]]:
    tz = store.settings.tz
    now = str(int(time.time()))
    if mode == "" and len(events) > 1 and _apply_group(store, events, tz, now):
        return [e.id for e in events], []
    calls, owners, failed = [], [], set()
    for event in events:
        try:
            writes = plan(event.id, event.kind, event.payload, tz)
        except (KeyError, TypeError, ValueError) as exc:
            log.error("outbox event %s (%s) cannot be applied: %r", event.id, event.kind, exc)
            failed.add(event.id)
            continue
        for write in writes:
            calls.append(("apply", script_keys(write), script_args(write, mode, now, replaced)))
            owners.append(event.id)
    results = scripts.run(store.redis, calls)
    for owner, result in zip(owners, results):
        if isinstance(result, Exception):
            if isinstance(result, SERVER_STATES):  # the server, not this event: retry later
                raise result
            log.error("outbox event %s: script failed: %s", owner, result)
            failed.add(owner)
    return [e.id for e in events if e.id not in failed], sorted(failed)


def _index(store, events) -> set[int]:
    """Put the catalogue events among ``events`` on the map and in the search first (connection
    errors raise); returns their ids when their payloads cannot be indexed."""
    catalogue = [e for e in events if e.kind in index.KINDS]
    if not catalogue:
        return set()
    pipe = store.redis.pipeline(transaction=False)
    try:
        index.add_events(pipe, catalogue)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.error("catalogue events %s cannot be indexed: %r", [e.id for e in catalogue], exc)
        return {e.id for e in catalogue}
    pipe.execute()
    return set()


def _apply_group(store, events, tz, now: str) -> bool:
    """Live events summed into one run per scope (a batch upload, a replay): one increment per
    figure instead of one per event. Each run sets every event's dedupe key first and applies
    only when all were new; when some were not (an event applied meanwhile) it undoes its dedupe
    keys and answers -1. False: apply them one by one (a scope that did apply dedupes them)."""
    try:
        writes = plan_group([(e.id, e.kind, e.payload) for e in events], tz)
    except (KeyError, TypeError, ValueError):
        return False  # the one-by-one path names the bad event
    results = scripts.run(store.redis, [("apply", script_keys(w), script_args(w, "", now)) for w in writes])
    for result in results:
        if isinstance(result, SERVER_STATES):
            raise result
    return all(result in (0, 1) for result in results)


def script_keys(write: Write) -> list[str]:
    """KEYS of one run: the first event's dedupe key, generation, registry, the figures,
    then a group's further dedupe keys (``script_args`` names their indices)."""
    first, *more = write.events
    return [keys.dedupe(write.scope, first), keys.generation(write.scope), keys.registry(write.scope),
            *write.keys, *(keys.dedupe(write.scope, e) for e in more)]


def script_args(write: Write, mode: str, now: str, replaced=None) -> list[str]:
    dedupe = range(len(write.keys) + 4, len(write.keys) + 3 + len(write.events))
    return [str(DEDUPE_SECONDS), mode, write.spec(replaced, dedupe), keys.channel(), "\n".join(write.messages), now]


def replay_outbox(store, batch: int = 500, max_batches: int | None = None) -> dict:
    """Apply pending outbox events, oldest first, ``batch`` at a time; safe to run anywhere, often.

    Rows are locked with ``FOR UPDATE SKIP LOCKED`` while their batch is
    applied, so concurrent replays (and the live path) never wait on each
    other; a row is marked in the same transaction. Returns
    ``{"applied", "failed", "batches"}``; a Redis error ends the run early with ``"error"``.
    """
    counts = {"applied": 0, "failed": 0, "batches": 0}
    while max_batches is None or counts["batches"] < max_batches:
        try:
            with store.transaction() as session:
                rows = outbox.claim_pending(session, batch)
                if not rows:
                    break
                done, failed = apply_events(store, rows)
                if done:
                    outbox.mark_applied(session, done)
                if failed:
                    outbox.count_failure(session, failed)
        except REDIS_ERRORS as exc:
            counts["error"] = f"Redis: {exc}"
            log.warning("outbox replay stopped: Redis unavailable (%s)", exc)
            break
        counts["batches"] += 1
        counts["applied"] += len(done)
        counts["failed"] += len(failed)
        if len(rows) < batch:
            break
    return counts


def _mark(store, ids: list[int]) -> None:
    """Marked behind the request, in batches (``analytics.live.marks``)."""
    if ids:
        marks.marks(store).add(ids)


_pause_lock = threading.Lock()


def _paused(store) -> bool:
    return store.analytics_paused_until > time.monotonic()


def _pause(store) -> None:
    with _pause_lock:
        store.analytics_paused_until = time.monotonic() + PAUSE_SECONDS
