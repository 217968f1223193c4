"""One evaluation of the rules: open and resolve in one transaction, the events in its outbox."""
from __future__ import annotations

from datetime import datetime

from analytics.alerts import table
from analytics.alerts.rules import RULES
from store import outbox


def evaluate(store, now: datetime, kinds=None, subjects: dict | None = None) -> list:
    """Evaluate ``kinds`` (all rules when None); ``subjects`` maps a kind to the subject ids to look
    at (the others keep their state), else every subject is looked at."""
    rules = [rule for rule in RULES if kinds is None or rule.kind in kinds]
    with store.transaction() as session:
        return outbox.write_changes(session, table.apply_rules(session, rules, store.settings, now, subjects))
