"""The message of each outbox kind: its routing key, its body, and the published JSON Schemas
(docs/events/) that real messages of a mixed workload fit. No broker needed."""
from __future__ import annotations

from sqlalchemy import text

from analytics.live.plan import HANDLERS
from relay import schemas
from relay.messages import ROUTES, ROUTING_KEYS, message
from tests.relay.workload import fleet_for, run_workload

API_KEYS = {"purchase.recorded", "purchase.refunded", "order.placed", "order.picked_up", "order.cancelled",
            "payment.paid", "payment.closed", "ad_play.recorded", "device.online", "device.offline",
            "alert.opened", "alert.resolved"}


def test_every_outbox_kind_has_a_route_and_every_route_is_an_api_routing_key():
    assert set(ROUTES) == set(HANDLERS)  # a new event kind cannot be forgotten by the stream
    assert set(ROUTING_KEYS) <= API_KEYS
    assert set(schemas.DATA) == set(ROUTING_KEYS)


def test_the_published_schemas_are_the_models():
    for key in schemas.DATA:
        assert (schemas.DOCS / f"{key}.schema.json").read_text() == schemas.text(key), \
            f"docs/events/{key}.schema.json is stale: run python -m relay.schemas"


def test_messages_of_a_mixed_workload_fit_their_schemas(app, api, store):
    run_workload(app, fleet_for(api), rounds=2, threads=2)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, kind, payload, created_at FROM outbox ORDER BY id")).all()
    seen = set()
    for row in rows:
        built = message(row.id, row.kind, row.payload, row.created_at, store.settings.tz)
        if built is None:
            assert row.kind in ("driver_active", "driver_location", "station_indexed", "product_indexed")
            continue
        key, body = built
        parsed = schemas.model(key).model_validate_json(body)
        assert parsed.id == row.id and parsed.type == key
        seen.add(key)
    assert seen >= {"purchase.recorded", "order.placed", "order.picked_up", "order.cancelled", "ad_play.recorded",
                    "device.online", "alert.opened"}
