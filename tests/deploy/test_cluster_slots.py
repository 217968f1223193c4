"""Redis Cluster readiness of the analytics keyspace, checked without a cluster: every Lua run
that applying an event makes touches one hash slot (a run spanning two slots fails on a cluster)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from redis.cluster import key_slot

from analytics import keys
from analytics.live.apply import script_keys
from analytics.live.plan import plan, plan_group

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 28, 18, 5, tzinfo=TZ).isoformat()
LINES = [{"product_id": 1, "quantity": 2, "amount_cents": 700}, {"product_id": 2, "quantity": 1, "amount_cents": 800}]
ORDER = {"order_id": "o1", "station_id": 3, "driver_id": 7, "created_at": AT, "total_cents": 1500, "lines": LINES}

# One payload per outbox kind (docs/internals.md "Event tables").
EVENTS = {
    "purchase": {"purchase_id": "p1", "device_id": 2, "driver_id": 7, "occurred_at": AT, "total_cents": 1500,
                 "lines": LINES, "location": {"lat": 31.23, "lng": 121.47}},
    "replenishment": {"orders": [ORDER, {**ORDER, "order_id": "o2", "station_id": 4}]},
    "replenishment_cancelled": ORDER,
    "ad_plays": {"device_id": 2, "driver_id": 7, "plays": [{"ad_id": 5, "played_at": AT, "duration_ms": 15000}]},
    "driver_active": {"driver_id": 7, "date": "2026-11-28"},
    "driver_location": {"driver_id": 7, "lat": 31.2, "lng": 121.5,
                        "recorded_at": datetime.now(timezone.utc).isoformat()},
}


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_each_apply_script_touches_one_slot(kind):
    for writes in (plan(41, kind, EVENTS[kind], TZ), plan_group([(41, kind, EVENTS[kind]), (42, kind, EVENTS[kind])], TZ)):
        assert writes, kind
        for write in writes:  # a group's dedupe keys too
            slots = {key_slot(k.encode()) for k in script_keys(write)}
            assert len(slots) == 1, (kind, write.scope, script_keys(write))


def test_scopes_spread_over_the_cluster():
    """Different scopes get different slots, so the load spreads over the nodes."""
    scopes = ["p"] + [keys.station(i) for i in range(1, 40)] + [keys.driver(i) for i in range(1, 40)]
    assert len({key_slot(keys.totals(s, "retail", "total").encode()) for s in scopes}) > 70


def test_bitop_over_a_month_of_days_stays_in_one_slot():
    """GET /drivers/active ORs the day bitmaps of a week or month into one key: one slot for all."""
    start = datetime(2026, 11, 1)
    names = [keys.active_union("month:2026-11")] + [
        keys.active_drivers((start + timedelta(days=d)).date().isoformat()) for d in range(30)]
    assert len({key_slot(n.encode()) for n in names}) == 1
