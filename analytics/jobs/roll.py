"""The day roll and the nightly reconcile: closing business days in ``settings.tz``.

``day_roll`` runs just after local midnight and again when the scheduler
starts: every day since the last rolled one (a Postgres marker, so a process
that was down over midnight catches up) is reconciled against Postgres —
which makes its week, month, year and total figures whole — and pushed to
each scope's list of closed days. ``nightly_reconcile`` redoes yesterday in
the small hours, when late uploads from offline devices have come in.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from analytics import keys, periods, scripts
from analytics.live.apply import replay_outbox
from analytics.reconcile import reconcile_day, reconcile_range
from analytics.reconcile.truth import all_scopes
from analytics.scripts import load_script
from store import jobruns

KEEP_DAYS = 7  # the notes' rolling 7-day list
PIPELINE = 2000
KINDS_OF = {"p": ("wholesale", "retail"), "s": ("wholesale",), "d": ("wholesale", "retail"), "v": ("retail",)}
FIELDS = ("amount", "units", "orders")


def day_roll(store, now: datetime) -> dict:
    """Close every business day after the last rolled one up to yesterday (at most the late window)."""
    today = periods.today(store.settings.tz, now)
    with store.sessions() as session:
        last = jobruns.get_marker(session, jobruns.LAST_ROLLED_DAY)
    # First run ever: close yesterday. Further back than the late window nothing new can have come in.
    first = date.fromisoformat(last) + timedelta(days=1) if last else today - timedelta(days=1)
    first = max(first, today - timedelta(days=store.settings.late_window_days + 1))
    rolled, drifted = [], 0
    if first < today:
        replay_outbox(store)  # what is pending for the closed day counts before it is compared
    day = first
    while day < today:
        result = reconcile_day(store, day)
        if "skipped" in result:  # Redis is being rebuilt: roll when it is whole again
            return {"rolled": rolled, "drifted": drifted, "waiting": result["skipped"]}
        push_closed_day(store, day)
        with store.transaction() as session:
            jobruns.set_marker(session, jobruns.LAST_ROLLED_DAY, day.isoformat(), now)
        rolled.append(day.isoformat())
        drifted += result["drifted"]
        day += timedelta(days=1)
    return {"rolled": rolled, "drifted": drifted}


def nightly_reconcile(store, now: datetime) -> dict:
    """Recompute yesterday from Postgres, repair Redis, refresh yesterday's closed-day entry."""
    today = periods.today(store.settings.tz, now)
    yesterday = today - timedelta(days=1)
    return reconcile_days(store, yesterday, yesterday, today=today)


def reconcile_days(store, first: date, last: date, *, repair: bool = True, today: date | None = None) -> dict:
    """Reconcile a range of days (the command line's ``--reconcile FROM:TO``); lists follow."""
    replay_outbox(store)
    result = reconcile_range(store, first, last, repair=repair)
    if repair:
        today = today or periods.today(store.settings.tz)
        day = max(first, today - timedelta(days=KEEP_DAYS))
        while day <= min(last, today - timedelta(days=1)):
            push_closed_day(store, day)
            day += timedelta(days=1)
    return result


def refresh_lists(store, now: datetime) -> dict:
    """Rebuild the closed-day lists from the day figures (after Redis was emptied and rebuilt)."""
    today = periods.today(store.settings.tz, now)
    pushed = 0
    for back in range(KEEP_DAYS, 0, -1):
        pushed += push_closed_day(store, today - timedelta(days=back))
    return {"pushed": pushed}


def push_closed_day(store, day: date) -> int:
    """Each scope's totals of ``day`` into its closed-day list; scopes with neither sales nor a list are skipped."""
    bucket = periods.bucket("day", day)
    targets = [(scope, kind) for scope in all_scopes(store) for kind in KINDS_OF[scope.split(":", 1)[0]]]
    load_script(store.redis, "roll")
    pushed = 0
    for start in range(0, len(targets), PIPELINE):
        chunk = targets[start:start + PIPELINE]
        pipe = store.redis.pipeline(transaction=False)
        for scope, kind in chunk:
            pipe.hmget(keys.totals(scope, kind, bucket), FIELDS)
            pipe.exists(keys.closed_days(scope, kind))
        values = pipe.execute()
        calls = []
        for i, (scope, kind) in enumerate(chunk):
            figures, listed = values[2 * i], values[2 * i + 1]
            if listed or any(v is not None for v in figures):
                amount, units, orders = (int(v or 0) for v in figures)
                entry = json.dumps({"date": day.isoformat(), "amount_cents": amount, "units": units,
                                    "orders": orders}, separators=(",", ":"))
                calls.append(("roll", [keys.closed_days(scope, kind)], [day.isoformat(), entry, KEEP_DAYS]))
        for result in scripts.run(store.redis, calls):
            if isinstance(result, Exception):
                raise result
        pushed += len(calls)
    return pushed
