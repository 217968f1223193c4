"""Retention of ingest's tables: idempotency records and monthly partitions.

Scheduled use cases (``func(store, now) -> dict``), run by the scheduler.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from store.partitions import add_months, drop_partitions_before, ensure_partitions

MONTHS_AHEAD = 2  # next month and the one after: a missed night or two never leaves a month without its table
DELETE_BATCH = 5000  # rows per transaction, so that the cleanup never holds long locks
RETENTION = {"gps_points": "gps_retention_days", "ad_plays": "ad_play_retention_days"}


def purge_idempotency_keys(store, now: datetime) -> dict:
    """Delete idempotency records older than ``idempotency_days``, one small batch per transaction."""
    cutoff = now - timedelta(days=store.settings.idempotency_days)
    deleted = 0
    while True:
        with store.transaction() as session:
            count = session.execute(text(
                "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
                "SELECT ctid FROM idempotency_keys WHERE created_at < :cutoff LIMIT :n))"),
                {"cutoff": cutoff, "n": DELETE_BATCH}).rowcount
        deleted += count
        if count < DELETE_BATCH:
            return {"deleted": deleted}


def maintain_partitions(store, now: datetime) -> dict:
    """Create the coming months' partitions; drop GPS and ad-play months past retention.

    Partition bounds are UTC months (see ``store.partitions``). A month is
    dropped only when all of it is older than the retention, so rows live at
    least their retention and at most a month longer.
    """
    today = now.astimezone(timezone.utc).date()
    with store.transaction() as session:
        conn = session.connection()
        # Attaching or dropping a partition locks the parent table; give up
        # quickly rather than queue ingest behind us, and retry next run.
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        created = ensure_partitions(conn, today, add_months(today, MONTHS_AHEAD))
        dropped = []
        for table, setting in RETENTION.items():
            before = today - timedelta(days=getattr(store.settings, setting))
            dropped += drop_partitions_before(conn, table, before)
    return {"created": len(created), "dropped": len(dropped), "dropped_tables": dropped}
