"""Self-healing: when Redis lost its figures (restarted empty, a new cluster), rebuild them.

The marker ``analytics.has_full_build`` is written by a completed rebuild;
its absence means Redis cannot be trusted to hold every figure. The rebuild
(``analytics.rebuild``) reads a Postgres snapshot, swaps the figures in scope
by scope and re-applies the events committed after the snapshot, so ingest
goes on meanwhile and nothing is lost or counted twice. The closed-day
lists are not part of it; they are pushed again from the rebuilt day figures.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from analytics import has_full_build, periods
from analytics.jobs.roll import refresh_lists
from analytics.rebuild import RebuildBusy, rebuild
from store import jobruns

log = logging.getLogger(__name__)


def self_heal(store, now: datetime) -> dict:
    if has_full_build(store):
        return {"rebuilt": False}
    log.warning("Redis holds no full build (emptied or new): rebuilding from Postgres")
    with store.transaction() as session:
        # wall time, like the run records /readyz compares it with
        jobruns.set_marker(session, jobruns.REBUILD_STARTED, datetime.now(timezone.utc).isoformat(), now)
    try:
        result = rebuild(store) or {}
    except RebuildBusy:  # someone runs `app.py rebuild` by hand: it writes the marker when done
        return {"rebuilt": False, "waiting": "a rebuild is already running"}
    lists = refresh_lists(store, now)
    # The rebuild made every closed day whole and the lists are pushed again: nothing left to roll
    # (a roll that waited for the rebuild would otherwise wait for the next midnight).
    yesterday = periods.today(store.settings.tz, now) - timedelta(days=1)
    with store.transaction() as session:
        jobruns.set_marker(session, jobruns.LAST_ROLLED_DAY, yesterday.isoformat(), now)
    log.warning("rebuild done: %s", result)
    return {"rebuilt": True, **{k: v for k, v in result.items() if isinstance(v, (int, float, str))},
            "lists": lists["pushed"]}
