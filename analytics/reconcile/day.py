"""Reconcile: recompute a business day from Postgres, repair Redis where it differs, count the drift.

Why the figures can drift at all: the apply is exactly-once per event, but a
bug, a hand edit, a restore of an old Redis snapshot or an event given up
after too many attempts leaves Redis off the truth. The day's figures are
compared field by field with ``analytics.reconcile.truth.day_truth``; a difference is
repaired by a delta on the day key and the same delta on the week, month,
year and total keys containing the day — every event moves all five
together (one script per scope), so a day's drift is its share of theirs.
A key lost on its own (evicted: run Redis with ``noeviction``; deleted by
hand) is not drift of that kind: ``python app.py rebuild`` redoes keys.

Ingest goes on meanwhile, so the comparison must not count an event twice
or lose one. The order that makes it safe:

1. read the Redis figures (and each scope's rebuild generation);
2. then, in one Postgres snapshot, the truth and the outbox events still
   pending; a pending event whose dedupe key is absent in a scope has not
   reached that scope: its share leaves the truth (the apply or the replay
   brings it later, as usual);
3. repair a scope with a script that first checks that the generation and
   every figure it repairs still read as in step 1 — an event applied since
   changes them, and the scope is measured again.

An event committed after step 1 is in neither side unless applied, and then
step 3 sees it. Nothing is marked or deduplicated here: tickers and live
positions of pending events arrive as usual.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import date, timedelta


from analytics import has_full_build, keys, periods, scripts
from analytics.live.plan import plan
from analytics.reconcile.truth import DayFigures, all_scopes, day_keys, day_truth
from analytics.scripts import load_script
from store import outbox

log = logging.getLogger(__name__)

ATTEMPTS = 4  # measurements per day before a busy scope is left for the next run
PIPELINE = 2000


def reconcile_range(store, first: date, last: date, *, repair: bool = True) -> dict:
    """Reconcile every business day from ``first`` to ``last`` inclusive; totals and per-day drift."""
    days, drifted, skipped = {}, 0, []
    day = first
    while day <= last:
        result = reconcile_day(store, day, repair=repair)
        if "skipped" in result:
            skipped.append(day.isoformat())
        else:
            days[day.isoformat()] = result["drifted"]
            drifted += result["drifted"]
        day += timedelta(days=1)
    return {"days": len(days), "drifted": drifted, "by_day": {d: n for d, n in days.items() if n},
            **({"skipped": skipped} if skipped else {})}


def reconcile_day(store, day: date, *, repair: bool = True) -> dict:
    """Compare (and repair) one day; ``{"day", "drifted", "unsettled", "bits"}`` or ``{"skipped": why}``."""
    if store.redis.exists(keys.rebuild_lock()) or not has_full_build(store):
        return {"day": day.isoformat(), "skipped": "a rebuild is due or running"}
    tz = store.settings.tz
    scopes = all_scopes(store)
    drifted, busy = 0, scopes
    for _ in range(ATTEMPTS):
        generations, observed = _read(store, busy, day)
        truth, pending = _snapshot(store, day)
        _discount_unapplied(store, truth, pending, day, tz)
        drift = {scope: diff for scope in busy if (diff := _diff(truth.figures.get(scope, {}), observed[scope]))}
        if not repair:
            return {"day": day.isoformat(), "drifted": sum(map(len, drift.values())), "unsettled": 0,
                    "bits": _bits(store, truth, fix=False)}
        busy = []
        for scope, diff in drift.items():
            if _repair(store, scope, generations[scope], diff, day):
                drifted += len(diff)
                log.warning("reconcile %s: %s had %d drifted figure(s), repaired: %s", day, scope, len(diff),
                            _sample(diff))
            else:
                busy.append(scope)
        if not busy:
            break
    bits = _bits(store, truth, fix=True)
    return {"day": day.isoformat(), "drifted": drifted + bits, "unsettled": len(busy), "bits": bits}


def _read(store, scopes: list[str], day: date) -> tuple[dict, dict]:
    """Each scope's generation and day figures ``{(type, key, field): value}``, pipelined."""
    generations, observed = {}, {}
    for start in range(0, len(scopes), PIPELINE):
        chunk = scopes[start:start + PIPELINE]
        pipe = store.redis.pipeline(transaction=False)
        plan_ = []
        for scope in chunk:
            pipe.get(keys.generation(scope))
            wanted = day_keys(scope, day)
            for kind, key in wanted:
                pipe.hgetall(key) if kind == "h" else pipe.zrange(key, 0, -1, withscores=True)
            plan_.append((scope, wanted))
        values = iter(pipe.execute())
        for scope, wanted in plan_:
            generations[scope] = next(values) or ""
            figures = {}
            for kind, key in wanted:
                raw = next(values)
                pairs = raw.items() if kind == "h" else raw
                for name, value in pairs:
                    if int(float(value)):
                        figures[(kind, key, str(name))] = int(float(value))
            observed[scope] = figures
    return generations, observed


def _snapshot(store, day: date) -> tuple[DayFigures, list]:
    """The truth and the pending outbox events, seen in one snapshot."""
    with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            truth = day_truth(conn, day, store.settings.tz)
            pending = outbox.pending(conn)
    return truth, pending


def _discount_unapplied(store, truth: DayFigures, pending, day: date, tz) -> None:
    """Take out of the truth the shares of pending events a scope has not seen yet."""
    if not pending:
        return
    shares = []  # (scope, event id, [(figure, delta)])
    for event in pending:
        try:
            writes = plan(event.id, event.kind, event.payload, tz)
        except (KeyError, TypeError, ValueError):
            continue  # an event the apply cannot plan never reaches Redis: compare without it
        for write in writes:
            wanted = {key for _, key in day_keys(write.scope, day)}
            share = [((op[0], write.keys[op[1] - 4], op[2]), int(op[3])) for op in write.ops
                     if op[0] in ("h", "z") and write.keys[op[1] - 4] in wanted]
            if share:
                shares.append((write.scope, event.id, share))
    pipe = store.redis.pipeline(transaction=False)
    for scope, event_id, _ in shares:
        pipe.exists(keys.dedupe(scope, event_id))
    for (scope, _, share), seen in zip(shares, pipe.execute()):
        if not seen:
            slot = truth.figures[scope]
            for figure, delta in share:
                slot[figure] = slot.get(figure, 0) - delta


def _diff(truth: dict, observed: dict) -> dict:
    """``{figure: (observed, truth)}`` where they differ (absent = 0)."""
    return {f: (observed.get(f, 0), truth.get(f, 0)) for f in truth.keys() | observed.keys()
            if observed.get(f, 0) != truth.get(f, 0)}


def _repair(store, scope: str, generation: str, diff: dict, day: date) -> bool:
    tz = store.settings.tz
    day_bucket = periods.bucket("day", day)
    names, index = [], {}

    def key_index(name: str) -> int:
        if name not in index:
            names.append(name)
            index[name] = len(names) + 2  # KEYS[1..2]: generation, registry
        return index[name]

    checks, ops, expiries = [], [], {}
    for (kind, key, name), (seen, truth) in sorted(diff.items()):
        checks.append([kind, key_index(key), name, str(seen)])
        for period, bucket in periods.buckets(day):
            target = key[: -len(day_bucket)] + bucket
            ops.append([kind, key_index(target), name, str(truth - seen)])
            _, _, pkey = bucket.partition(":")
            expiries[target] = periods.expire_at(period, pkey or "total", tz) or 0
    spec = {"checks": checks, "ops": ops, "keys": [[index[k], at] for k, at in expiries.items()]}
    load_script(store.redis, "reconcile")
    done = scripts.call(store.redis, "reconcile", [keys.generation(scope), keys.registry(scope), *names],
                        [generation, json.dumps(spec, separators=(",", ":")), str(int(time.time()))])
    return bool(done)


def _bits(store, truth: DayFigures, *, fix: bool) -> int:
    """Active-driver and check-in bits of the day's active drivers (set-only, so no race to guard)."""
    drivers = sorted(truth.active_drivers)
    if not drivers:
        return 0
    day, tz = truth.day, store.settings.tz
    active, bit = keys.active_drivers(day.isoformat()), day.timetuple().tm_yday - 1
    pipe = store.redis.pipeline(transaction=False)
    for driver_id in drivers:
        pipe.getbit(active, driver_id)
        pipe.getbit(keys.checkins(driver_id, day.year), bit)
    values = pipe.execute()
    missing = [(d, values[2 * i], values[2 * i + 1]) for i, d in enumerate(drivers)
               if not (values[2 * i] and values[2 * i + 1])]
    if fix and missing:
        pipe = store.redis.pipeline(transaction=False)
        for driver_id, in_active, in_checkins in missing:
            if not in_active:
                pipe.setbit(active, driver_id, 1)
                pipe.expireat(active, periods.expire_at("day", day.isoformat(), tz))
            if not in_checkins:
                checkins = keys.checkins(driver_id, day.year)
                pipe.setbit(checkins, bit, 1)
                pipe.expireat(checkins, periods.expire_at("year", str(day.year), tz))
        pipe.execute()
    return len(missing)


def _sample(diff: dict, limit: int = 5) -> str:
    items = sorted(diff.items())[:limit]
    return "; ".join(f"{key} {name}: {seen} -> {truth}" for (_, key, name), (seen, truth) in items)
