"""Apply committed outbox events to Redis.

PLACEHOLDER until the live-analytics work lands: events stay pending in the
outbox (nothing is lost; the replay applies them later).
"""
from __future__ import annotations


def apply_committed(store, events) -> None:
    """Apply events just committed by an ingest use case; never raises on Redis errors.

    ``events``: objects with ``id``, ``kind``, ``payload`` (the outbox rows).
    """
    return None
