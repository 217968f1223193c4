"""Settlement when Postgres refuses a value that validation let through (a rule nobody foresaw):
that request alone is a 422; every other request of its batch or group is stored."""
from datetime import datetime, timedelta, timezone

import pytest

from ingest import purchases
from ingest.errors import Invalid
from tests.ingest.world import device_stock, scalar, world  # noqa: F401


def _request(key: str, reference: str | None = None, prefix: str = "") -> purchases.PurchaseRequest:
    return purchases.PurchaseRequest(key=key, occurred_at=datetime.now(timezone.utc) - timedelta(minutes=1),
                                     items=(("COLA-330", 1),), payment_method="cash", payment_reference=reference,
                                     field_prefix=prefix)


def test_a_refused_entry_fails_alone_and_the_rest_of_the_batch_is_stored(world, store):
    device = world.device["id"]
    requests = [_request(f"db-{n}", "bad\x00ref" if n == 2 else f"ref-{n}", f"purchases[{n}].") for n in range(5)]
    outcomes, events = purchases.record_batch(store, device, f"device:{device}", requests)
    assert [o.status for o in outcomes] == [201, 201, 422, 201, 201]
    assert outcomes[2].error.field == "purchases[2]"
    assert scalar(store, "SELECT count(*) FROM purchases") == 4 and len(events) == 4
    assert device_stock(store, device) == {"COLA-330": -4}
    again, _ = purchases.record_batch(store, device, f"device:{device}", requests)  # the device retries
    assert [(o.status, o.replayed) for o in again] == [(201, True)] * 2 + [(422, False)] + [(201, True)] * 2
    assert scalar(store, "SELECT count(*) FROM purchases") == 4


def test_a_refused_single_purchase_is_a_422(world, store):
    device = world.device["id"]
    with pytest.raises(Invalid):
        purchases.record_purchase(store, device, f"device:{device}", _request("db-single", "bad\x00ref"))
    assert scalar(store, "SELECT count(*) FROM purchases") == 0
