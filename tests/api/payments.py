"""Helpers of the payment tests: a cart paid through the Alipay stand-in, notifications as Alipay sends them."""
from __future__ import annotations

from simulator.alipay import signing
from tests.ingest.world import key

NOTIFY = "/api/v1/payments/alipay/notify"


def create(world, items=None, *, idem=None, token=None, **fields):
    body = {"items": items or [{"sku": "COLA-330", "quantity": 2}, {"sku": "CHIPS-70", "quantity": 1}], **fields}
    return world.api.post("/payments", body, token=token or world.device["api_key"],
                          headers={"Idempotency-Key": idem or key("pay")})


def created(world, items=None, **kw) -> dict:
    response = create(world, items, **kw)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def payment(world, payment_id: str) -> dict:
    response = world.api.get(f"/payments/{payment_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def scanned(alipay, qr_code: str, *, pay: bool = True) -> dict:
    """The passenger scans the code (and pays); the stand-in's first notification is delivered before this returns."""
    result = alipay.scan(qr_code, pay=pay, wait=True)
    assert result["status"] in ("TRADE_SUCCESS", "WAIT_BUYER_PAY"), result
    return result


def notification(alipay, payment_id: str, *, key=None, **changes) -> dict:
    """The notification Alipay would send now for the trade, with ``changes`` made before it is signed
    (``key``: sign with another key)."""
    params = alipay.notifier.params(alipay.trades.by_no[payment_id])
    params.pop("sign")
    params.update({k: v for k, v in changes.items() if v is not None})
    for name in [k for k, v in changes.items() if v is None]:
        params.pop(name, None)
    params["sign"] = signing.sign(key or alipay.key, signing.notification_content(params))
    return params


def notify(client, params: dict):
    return client.post(NOTIFY, data=params, content_type="application/x-www-form-urlencoded")
