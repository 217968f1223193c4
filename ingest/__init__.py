"""Write use cases: purchases, replenishment orders and their state machine, settlement
strategies, idempotency, ledger, stock, locations, ad plays, driver activity, outbox.

Each use case is one transaction and returns its result plus the outbox
events it wrote; the caller hands those to ``store.committed.publish`` (store.events).
"""


def reset_caches() -> None:
    """Forget cached products, device owners and activity marks (tests truncate tables)."""
    from ingest import activity, lookups

    lookups.reset()
    activity.reset()
