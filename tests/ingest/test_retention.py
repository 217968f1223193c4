"""Retention: idempotency records past their days, partitions made ahead and dropped past retention."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text

from ingest.retention import maintain_partitions, purge_idempotency_keys
from store.partitions import add_months, ensure_partitions, list_partitions

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _add_key(store, key, created_at):
    with store.transaction() as session:
        session.execute(text(
            "INSERT INTO idempotency_keys (principal, key, request_hash, response_status, response_body, created_at) "
            "VALUES ('device:1', :k, 'h', 201, '{}', :t)"), {"k": key, "t": created_at})


def test_idempotency_records_older_than_the_setting_go(store):
    days = store.settings.idempotency_days
    _add_key(store, "old", NOW - timedelta(days=days, minutes=1))
    _add_key(store, "very-old", NOW - timedelta(days=40))
    _add_key(store, "kept", NOW - timedelta(days=days) + timedelta(minutes=1))
    _add_key(store, "fresh", NOW)
    assert purge_idempotency_keys(store, NOW) == {"deleted": 2}
    with store.sessions() as session:
        left = set(session.scalars(text("SELECT key FROM idempotency_keys")))
    assert left == {"kept", "fresh"}
    assert purge_idempotency_keys(store, NOW) == {"deleted": 0}  # idempotent


def test_partitions_created_ahead_and_dropped_past_retention(store):
    today = NOW.date()
    with store.engine.begin() as conn:
        ensure_partitions(conn, date(2025, 1, 1), date(2025, 2, 1))
        conn.execute(text("INSERT INTO gps_points (driver_id, recorded_at, lat, lng) "
                          "VALUES (1, '2025-01-15T00:00:00Z', 31.2, 121.4), (1, :now, 31.2, 121.4)"),
                     {"now": NOW})
    kept = dataclasses.replace(store, settings=store.settings.model_copy(
        update={"gps_retention_days": 400, "ad_play_retention_days": 800}))
    later = datetime.combine(add_months(today, 4), datetime.min.time(), timezone.utc) + timedelta(days=9)
    result = maintain_partitions(kept, later)

    with store.engine.connect() as conn:
        gps = list_partitions(conn, "gps_points")
        ads = list_partitions(conn, "ad_plays")
        orders = list_partitions(conn, "orders")
        points = conn.execute(text("SELECT count(*) FROM gps_points")).scalar()
    # gps: months wholly older than 400 days before `later` went, with their rows; this month's point stays
    assert "gps_points_202501" not in gps and "gps_points_202502" not in gps and points == 1
    # ad plays keep 800 days; orders are never dropped
    assert "ad_plays_202501" in ads and "orders_202501" in orders
    # the coming months exist for every partitioned table
    for month in (add_months(later.date(), 1), add_months(later.date(), 2)):
        assert f"orders_{month:%Y%m}" in orders and f"gps_points_{month:%Y%m}" in gps
    assert result["dropped"] == 2 and result["created"] > 0
    again = maintain_partitions(kept, later)
    assert again["created"] == 0 and again["dropped"] == 0
