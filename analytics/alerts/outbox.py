"""Alert changes as outbox events, in the evaluating transaction."""
from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import text

_INSERT = text("INSERT INTO outbox (kind, payload) SELECT e->>'kind', e->'payload' "
               "FROM jsonb_array_elements(CAST(:events AS jsonb)) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id")


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    payload: dict


def write_alert_events(session, changes: list[tuple[str, dict]]) -> list[Event]:
    if not changes:
        return []
    rows = [{"kind": kind, "payload": alert} for kind, alert in changes]
    ids = sorted(session.execute(_INSERT, {"events": orjson.dumps(rows).decode()}).scalars().all())
    return [Event(i, kind, alert) for i, (kind, alert) in zip(ids, changes)]
