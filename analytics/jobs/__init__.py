"""The scheduler's analytics jobs, each ``func(store, now) -> dict``: ``heal`` (rebuild when the
full-build marker is missing), ``roll`` (closing days, the nightly reconcile), ``upkeep`` (stale
drivers, keys without a TTL, devices online)."""
