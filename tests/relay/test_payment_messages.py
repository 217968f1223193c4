"""The payment events as the relay publishes them fit their schemas (docs/events/)."""
from __future__ import annotations

from sqlalchemy import text

from relay import schemas
from relay.messages import message
from tests.api.payments import created, scanned
from tests.ingest.world import world  # noqa: F401


def test_paid_refunded_and_closed_fit_their_schemas(world, store, alipay):
    paid = created(world)
    scanned(alipay, paid["qr_code"])
    purchase_id = world.api.get(f"/payments/{paid['id']}").get_json()["purchase_id"]
    refund = world.api.post(f"/purchases/{purchase_id}/refund", {"amount_cents": 300, "reason": "dented"},
                            headers={"Idempotency-Key": "relay-1"})
    assert refund.status_code == 201
    with store.engine.begin() as conn:  # one closed payment too
        conn.execute(text("INSERT INTO outbox (kind, payload) VALUES ('payment_closed', "
                          "CAST(:p AS jsonb))"), {"p": f'{{"payment_id": "{paid["id"]}", "reason": "expired"}}'})
        rows = conn.execute(text("SELECT id, kind, payload, created_at FROM outbox WHERE kind IN "
                                 "('payment_paid', 'purchase_refunded', 'payment_closed') ORDER BY id")).all()
    seen = set()
    for row in rows:
        key, body = message(row.id, row.kind, row.payload, row.created_at, store.settings.tz)
        schemas.model(key).model_validate_json(body)
        seen.add(key)
    assert seen == {"payment.paid", "purchase.refunded", "payment.closed"}
