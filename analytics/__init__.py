"""Live figures in Redis: keyspace, exactly-once apply, queries, reports, rebuild.

Nothing here opens a connection at import; everything takes the ``Store``.
"""
from analytics.live.apply import apply_committed, replay_outbox

__all__ = ["apply_committed", "replay_outbox", "has_full_build"]


def has_full_build(store) -> bool:
    """True when Redis holds a full build from Postgres (the marker a rebuild writes)."""
    from analytics import keys

    return bool(store.redis.exists(keys.built()))
