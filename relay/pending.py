"""The relay's leadership: one relay publishes at a time, so batches go out one after another.

Its reads and marks of the outbox are ``store.outbox.unpublished`` / ``mark_published``.
Ordering: rows go out in id order, among those committed when the batch is
read. Per subject that is commit order, because every event of a subject that
already exists (an order's pickup or cancel, an alert's resolution, a device's
presence) is written after its transaction locked the subject's row: its id is
drawn after the previous event of that subject committed, so ids of one
subject rise in commit order and a snapshot that sees one sees all before it.
Across subjects a lower id may commit after a higher one (concurrent
transactions); the per-row mark never skips it: it is sent in a later batch.
"""
from __future__ import annotations

from sqlalchemy import text

LEADER_LOCK = 0x62665F72656C6179  # pg_advisory_lock key: "bf_relay"
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")


def try_lead(conn) -> bool:
    """A session lock on the relay's own connection: it goes with the connection if the relay dies."""
    return bool(conn.execute(_TRY_LOCK, {"key": LEADER_LOCK}).scalar())
