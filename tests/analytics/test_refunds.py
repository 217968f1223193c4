"""Refunds in the figures: live apply, rebuild and reconcile all agree with Postgres."""
from __future__ import annotations

import random

from analytics import keys
from analytics.rebuild import rebuild
from analytics.reconcile import reconcile_day
from ingest.refunds import RefundRequest, refund_purchase
from tests.analytics.compare import assert_equal_to_truth
from tests.analytics.rebuild.test_rebuild import counted, fleet, traffic  # noqa: F401
from tests.analytics.traffic import ago, random_cart

_n = iter(range(10**6))


def refunded_traffic(fleet, store, rng) -> list[str]:
    """Purchases over the last weeks, then refunds of some of them: partial, full, twice."""
    traffic(fleet, rng, purchases=6, orders=3, cancels=1)
    bought = [fleet.purchase(rng.choice(fleet.devices), random_cart(rng, fleet),
                             occurred_at=ago(days=rng.choice([0, 1, 6, 20]), minutes=rng.randint(0, 300)))
              for _ in range(8)]
    for i, purchase in enumerate(bought):
        amounts = [None] if i % 3 == 0 else [max(1, purchase["total_cents"] // 3)] * (1 + i % 2)
        for amount in amounts:
            response = fleet.api.post(f"/purchases/{purchase['id']}/refund", {
                "reason": "test", **({"amount_cents": amount} if amount else {})},
                headers={"Idempotency-Key": f"refund-{next(_n)}"})
            assert response.status_code == 201, response.get_json()
    return [p["id"] for p in bought]


def test_live_figures_after_refunds_equal_postgres(fleet, store):
    refunded_traffic(fleet, store, random.Random(11))
    assert_equal_to_truth(store)


def test_rebuild_knows_refunds(fleet, store):
    refunded_traffic(fleet, store, random.Random(12))
    live = counted(store)
    store.redis.flushdb()
    rebuild(store)
    assert counted(store) == live
    assert_equal_to_truth(store)


def test_reconcile_finds_a_lost_refund(fleet, store):
    from sqlalchemy import text

    from analytics import periods

    store.redis.set(keys.built(), "{}")
    sale = fleet.purchase(fleet.devices[0], [(fleet.products[0]["sku"], 2)])
    today = periods.today(store.settings.tz)
    assert reconcile_day(store, today)["drifted"] == 0
    outcome, events = refund_purchase(store, "admin", RefundRequest("lost-1", sale["id"], 100, "lost apply"))
    with store.engine.begin() as conn:  # committed, never applied, marked anyway: only the reconcile sees it
        conn.execute(text("UPDATE outbox SET applied_at = now() WHERE id = ANY(:ids)"), {"ids": [e.id for e in events]})
    result = reconcile_day(store, today)
    # platform, driver and device amounts; the product in the amount ranking; the driver's place
    assert result["drifted"] == 5
    assert_equal_to_truth(store)
    assert reconcile_day(store, today)["drifted"] == 0
