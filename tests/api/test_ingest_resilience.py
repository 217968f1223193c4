"""Redis down never stops ingest: the purchase is accepted and its event waits in the outbox."""
import socket

from store.redis import make_redis
from tests.ingest.world import rows, world  # noqa: F401


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_purchase_accepted_while_redis_is_down(world, store, monkeypatch):
    monkeypatch.setattr(store, "redis", make_redis(f"redis://127.0.0.1:{closed_port()}/0"))
    try:
        response = world.purchase()
        order = world.order([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 1}])
    finally:
        store.analytics_paused_until = 0.0  # the live apply paused itself; undo for later tests
    assert response.status_code == 201 and order.status_code == 201
    pending = rows(store, "SELECT kind FROM outbox WHERE applied_at IS NULL ORDER BY id")
    assert ("purchase",) in pending and ("replenishment",) in pending
