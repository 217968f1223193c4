"""Live figures in Redis: keyspace, exactly-once apply, queries, reports, jobs."""
from analytics.apply import apply_committed

__all__ = ["apply_committed"]
