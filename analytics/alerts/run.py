"""One evaluation of the rules: open and resolve in one transaction, the events in its outbox."""
from __future__ import annotations

from datetime import datetime

from analytics.alerts import table
from analytics.alerts.rules import RULES
from store import outbox


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
