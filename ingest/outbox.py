"""Outbox rows: one per committed event, written in the use case's transaction.

The row id is the event id; the API hands the returned events to
``analytics.apply_committed`` after the commit (docs/internals.md).
Rows travel to Postgres as one JSON parameter (cheap to send, whatever the count).
"""
from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    payload: dict


def dumps(value) -> str:
    """Compact UTF-8 JSON text: the one encoding of payloads, parameters and stored responses."""
    return orjson.dumps(value).decode()


def insert_sql(source: str) -> str:
    """INSERT of the events in the JSON array ``source`` (``[{"kind", "payload"}]``), ids in array order."""
    return ("INSERT INTO outbox (kind, payload) SELECT e->>'kind', e->'payload' "
            f"FROM jsonb_array_elements({source}) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id")


_INSERT = text(insert_sql("CAST(:events AS jsonb)"))


def rows(kind: str, payloads: list[dict]) -> list[dict]:
    return [{"kind": kind, "payload": p} for p in payloads]


def events(ids, kind: str, payloads: list[dict]) -> list[Event]:
    # bigserial values are drawn row by row in insert order, so sorted ids follow the payloads.
    return [Event(i, kind, p) for i, p in zip(sorted(ids), payloads)]


def write(session: Session, kind: str, payloads: list[dict]) -> list[Event]:
    """Insert one row per payload (one round trip); events come back in the payloads' order."""
    if not payloads:
        return []
    ids = session.execute(_INSERT, {"events": dumps(rows(kind, payloads))}).scalars().all()
    return events(ids, kind, payloads)
