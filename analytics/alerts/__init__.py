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
from analytics.alerts.run import evaluate
from store import outbox

__all__ = ["acknowledge", "evaluate", "evaluate_alerts", "RULES", "BY_KIND"]


def evaluate_alerts(store, now: datetime) -> dict:
    """The scheduler's job: every rule, every subject."""
    events = evaluate(store, now)
    store.committed.publish(events)  # the wall and the live figures hear of them
    opened = sum(1 for e in events if e.kind == "alert_opened")
    return {"opened": opened, "resolved": len(events) - opened}


def acknowledge(store, alert_id: int, station_id: int | None = None) -> dict:
    """Acknowledge for an admin (``station_id`` None) or for that station only (403 otherwise).
    The first acknowledgement is an ``alert_acknowledged`` event (the screens hear of it)."""
    from analytics.errors import Forbidden, NotFound

    tz = store.settings.tz
    with store.transaction() as session:
        alert = table.get(session, alert_id, tz, lock=True) if 0 < alert_id < 2**31 else None
        if alert is None:
            raise NotFound(f"alert {alert_id} does not exist")
        if station_id is not None and alert["station_id"] != station_id:
            raise Forbidden("A station acknowledges its own station's alerts only")
        acked = table.acknowledge(session, alert_id, tz)
        # Written after the row lock, as every event of one alert (commit order per subject).
        events = [] if alert["acknowledged_at"] else outbox.write(session, "alert_acknowledged", [acked])
    store.committed.publish(events)
    return acked
