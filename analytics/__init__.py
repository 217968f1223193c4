"""Live figures in Redis: keyspace, exactly-once apply, queries, reports, rebuild.

Nothing here opens a connection at import; everything takes the ``Store``.
"""
from analytics.live.apply import apply_committed, replay_outbox

__all__ = ["apply_committed", "replay_outbox", "has_full_build", "follow_committed"]


def follow_committed(store) -> None:
    """The live apply follows ``store.committed`` (create_app, the scheduler, the demo's seed)."""
    from analytics.live import apply

    # looked up on each call, so the module's function is the one that runs (bench/app_cpu.py times it)
    store.committed.follow("live", lambda events: apply.apply_committed(store, events))
    from analytics.alerts import follow

    follow.register(store)  # the alert rules an event can make true, right after its commit


def has_full_build(store) -> bool:
    """True when Redis holds a full build from Postgres (the marker a rebuild writes)."""
    from analytics import keys

    return bool(store.redis.exists(keys.built()))
