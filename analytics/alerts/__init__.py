"""Alerts: rules as data (``rules``), evaluated every minute by the scheduler and
right after the commit of events that can make one true at once (``follow``).

``evaluate(store, now, kinds=None, subjects=None)`` runs the rules in one
transaction and returns the outbox events it wrote (``alert_opened``,
``alert_resolved``), already committed, for the hand-off.
"""
from __future__ import annotations

from datetime import datetime

from analytics.alerts import table
from analytics.alerts.rules import BY_KIND, RULES
from store import outbox

__all__ = ["acknowledge", "evaluate", "evaluate_alerts", "RULES", "BY_KIND"]


def evaluate(store, now: datetime, kinds=None, subjects: dict | None = None) -> list:
    """Evaluate ``kinds`` (all rules when None); ``subjects`` maps a kind to the subject ids to look
    at (the others keep their state), else every subject is looked at."""
    settings = store.settings
    with store.transaction() as session:
        changes = []
        for rule in RULES:
            if kinds is not None and rule.kind not in kinds:
                continue
            changes += table.apply_rule(session, rule, settings, now, (subjects or {}).get(rule.kind))
        return outbox.write_changes(session, changes)


def evaluate_alerts(store, now: datetime) -> dict:
    """The scheduler's job: every rule, every subject."""
    events = evaluate(store, now)
    store.committed.publish(events)  # the wall and the live figures hear of them
    opened = sum(1 for e in events if e.kind == "alert_opened")
    return {"opened": opened, "resolved": len(events) - opened}


def acknowledge(store, alert_id: int, station_id: int | None = None) -> dict:
    """Acknowledge for an admin (``station_id`` None) or for that station only (403 otherwise)."""
    from analytics.errors import Forbidden, NotFound

    tz = store.settings.tz
    with store.transaction() as session:
        alert = table.get(session, alert_id, tz) if 0 < alert_id < 2**31 else None
        if alert is None:
            raise NotFound(f"alert {alert_id} does not exist")
        if station_id is not None and alert["station_id"] != station_id:
            raise Forbidden("A station acknowledges its own station's alerts only")
        return table.acknowledge(session, alert_id, tz)
