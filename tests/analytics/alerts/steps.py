"""Shared steps of the alert tests: the alerts table and the outbox as the tests read them."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text


def alerts(store, kind=None):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT kind, subject_type, subject_id, station_id, detail, opened_at, resolved_at "
                                 "FROM alerts WHERE coalesce(:kind, kind) = kind ORDER BY id"), {"kind": kind}).all()


def open_alerts(store, kind):
    return [(a.subject_type, a.subject_id) for a in alerts(store, kind) if a.resolved_at is None]


def outbox_kinds(store, alert_kind=None):
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT kind FROM outbox WHERE kind LIKE 'alert_%' AND coalesce(:k, payload->>'kind') = payload->>'kind' "
            "ORDER BY id"), {"k": alert_kind})]


def sql(store, statement, **params):
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def now():
    return datetime.now(timezone.utc)


def picked_up(fleet, driver_index, sku, quantity):
    order = fleet.order(fleet.drivers[driver_index], [(fleet.stations[0]["id"], sku, quantity)])
    fleet.pickup(order["orders"][0]["id"])
