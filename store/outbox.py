"""The outbox table, and all the SQL that touches it: one row per committed event.

Rows are written in the use case's transaction (``write``; purchases put
``insert_sql`` into their one statement), so an event exists exactly when
its sale does. The row id is the event id. What follows the commit reads
them back from here: the live apply marks rows applied (``mark_applied``),
the replay claims pending rows with ``FOR UPDATE SKIP LOCKED`` so concurrent
replays never wait on each other (``claim_pending``), the rebuild takes its
watermark under a SHARE lock (``watermark``) and reads the rows around it,
the reconcile reads what is pending, and /readyz and /metrics the backlog.
The AMQP relay has its own mark, ``published_at`` (``unpublished``, ``mark_published``), and
wakes on ``CHANNEL``: a trigger (migration 0009) notifies it from every transaction that
writes rows, delivered at commit (``listen``, ``wait_for_rows``).
Rows travel to Postgres as one JSON parameter (cheap to send, whatever the count).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

CHANNEL = "buyfree_outbox"  # NOTIFYed by the outbox_notify trigger
MAX_ATTEMPTS = 10  # an event that fails this often (a bad payload) is left aside by the replay


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    payload: dict


def dumps(value) -> str:
    """Compact UTF-8 JSON text: the one encoding of payloads, parameters and stored responses."""
    return orjson.dumps(value).decode()


def insert_sql(source: str, *, published: bool = False) -> str:
    """INSERT of the events in the JSON array ``source`` (``[{"kind", "payload"}]``), ids in array order;
    ``published``: born published, for events of the live keyspace only (the relay never sees them)."""
    column, value = (", published_at", ", now()") if published else ("", "")
    return (f"INSERT INTO outbox (kind, payload{column}) SELECT e->>'kind', e->'payload'{value} "
            f"FROM jsonb_array_elements({source}) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id")


_INSERT = text(insert_sql("CAST(:events AS jsonb)"))
_INSERT_INTERNAL = text(insert_sql("CAST(:events AS jsonb)", published=True))
_CLAIM = text("SELECT id, kind, payload FROM outbox WHERE applied_at IS NULL AND attempts < :max "
              "ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED")
_MARK = text("UPDATE outbox SET applied_at = now() WHERE id = ANY(:ids) AND applied_at IS NULL")
_FAILED = text("UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY(:ids)")
_PENDING = text("SELECT id, kind, payload FROM outbox WHERE applied_at IS NULL ORDER BY id")
_PENDING_UPTO = text("SELECT id, kind, payload FROM outbox WHERE applied_at IS NULL AND id <= :w "
                     "AND attempts < :max ORDER BY id")
_AFTER = text("SELECT id, kind, payload FROM outbox WHERE id > :after ORDER BY id LIMIT :n")
_BACKLOG = text("SELECT count(*) FROM outbox WHERE applied_at IS NULL")
_UNPUBLISHED = text("SELECT id, kind, payload, created_at FROM outbox WHERE published_at IS NULL "
                    "ORDER BY id LIMIT :batch")
_MARK_PUBLISHED = text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids) AND published_at IS NULL")
_UNPUBLISHED_COUNT = text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
_OLDEST = text("SELECT created_at FROM outbox WHERE applied_at IS NULL ORDER BY id LIMIT 1")


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


def write_internal(session: Session, kind: str, payloads: list[dict]) -> list[Event]:
    """Like ``write``, for the live keyspace only (the catalogue's index): born published, so the
    AMQP relay never sees them and its backlog counts the stream's events alone."""
    ids = session.execute(_INSERT_INTERNAL, {"events": dumps(rows(kind, payloads))}).scalars().all()
    return events(ids, kind, payloads)


def write_changes(session: Session, changes: list[tuple[str, dict]]) -> list[Event]:
    """Insert ``(kind, payload)`` rows of several kinds in their order (one round trip)."""
    if not changes:
        return []
    ids = sorted(session.execute(_INSERT, {"events": dumps([{"kind": k, "payload": p} for k, p in changes])})
                 .scalars().all())
    return [Event(i, k, p) for i, (k, p) in zip(ids, changes)]


def claim_pending(session, batch: int, max_attempts: int = MAX_ATTEMPTS) -> list:
    """Up to ``batch`` pending rows, oldest first, locked until ``session`` ends (rows another
    transaction holds are skipped)."""
    return session.execute(_CLAIM, {"batch": batch, "max": max_attempts}).all()


def mark_applied(conn, ids: list[int]) -> None:
    """The rows are in Redis (a row marked already stays as it was)."""
    conn.execute(_MARK, {"ids": ids})


def mark_applied_now(engine, ids: list[int]) -> None:
    """``mark_applied`` in a transaction of its own that does not wait for the WAL flush
    (a lost mark only costs a harmless re-apply)."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        mark_applied(conn, ids)


def count_failure(session, ids: list[int]) -> None:
    """One more failed attempt for each row."""
    session.execute(_FAILED, {"ids": ids})


def pending(conn) -> list:
    """Every row not yet applied, oldest first (the reconcile's view, in its snapshot)."""
    return conn.execute(_PENDING).all()


def watermark(conn) -> int:
    """The highest event id, read under a SHARE lock on the table: it waits for the transactions
    writing events and holds new ones until ``conn``'s transaction ends, so a snapshot exported
    before that holds exactly the events up to the id returned (ids are drawn after the lock)."""
    conn.exec_driver_sql("LOCK TABLE outbox IN SHARE MODE")
    return conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()


def pending_upto(conn, last_id: int, max_attempts: int = MAX_ATTEMPTS) -> list:
    """Rows up to ``last_id`` not yet applied (nor given up on), oldest first."""
    return conn.execute(_PENDING_UPTO, {"w": last_id, "max": max_attempts}).all()


def after(conn, after_id: int, limit: int) -> list:
    """Up to ``limit`` rows after ``after_id``, in id order, applied or not."""
    return conn.execute(_AFTER, {"after": after_id, "n": limit}).all()


def backlog(conn) -> int:
    """How many rows are not yet applied."""
    return conn.execute(_BACKLOG).scalar()


def oldest_pending_at(conn) -> datetime | None:
    """When the oldest row not yet applied was written (None: nothing pending)."""
    return conn.execute(_OLDEST).scalar()


def unpublished(conn, batch: int) -> list:
    """Up to ``batch`` rows the relay has not published, in id order (those committed now)."""
    return conn.execute(_UNPUBLISHED, {"batch": batch}).all()


def mark_published(conn, ids: list[int]) -> None:
    """The broker confirmed these rows' messages (or they have none to send)."""
    if ids:
        conn.execute(_MARK_PUBLISHED, {"ids": ids})


def unpublished_count(conn) -> int:
    return conn.execute(_UNPUBLISHED_COUNT).scalar()


def listen(conn) -> None:
    """LISTEN on ``CHANNEL`` on ``conn`` (an AUTOCOMMIT connection kept for it)."""
    conn.exec_driver_sql(f"LISTEN {CHANNEL}")


def wait_for_rows(conn, seconds: float) -> bool:
    """Wait up to ``seconds`` for a commit that wrote rows (True) on a ``listen``ing ``conn``;
    the notifications already queued are all taken."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    driver = conn.connection.driver_connection  # psycopg 3
    woken = False
    try:
        for _ in driver.notifies(timeout=seconds, stop_after=1):
            woken = True
        if woken:  # several commits since the last look: one wake-up is enough
            for _ in driver.notifies(timeout=0):
                pass
    except psycopg.Error as exc:  # as SQLAlchemy's own errors: the caller drops the connection
        raise OperationalError(f"LISTEN {CHANNEL}", None, exc) from exc
    return woken
