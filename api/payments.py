"""API.md "Payments (Alipay)": QR payments, Alipay's notifications, refunds of purchases."""
from __future__ import annotations

from flask import Blueprint, Response, request

from api.errors import BadRequest
from api.routing import endpoint
from api.schemas.payments import PaymentCreatedOut, PaymentIn, PaymentOut, RefundIn, RefundOut
from api.writes import HEADERS, acting_for, committed, idempotency_key, reply
from ingest import alipay, payments, refunds
from ingest.payments.notify import REQUIRED
from config.http import MAX_BODY
from store import get_store

bp = Blueprint("payments", __name__, url_prefix="/api/v1")
FORM = "application/x-www-form-urlencoded"
NOTIFICATION = {"type": "object", "required": list(REQUIRED), "additionalProperties": {"type": "string"},
                "properties": {name: {"type": "string"} for name in (*REQUIRED, "gmt_payment", "notify_id")}}


@endpoint(bp, "/payments", methods=("POST",), auth=("device", "admin"), body=PaymentIn,
          responses={201: PaymentCreatedOut}, headers=HEADERS, errors=(404, 409, 502))
def create_payment(principal, body: PaymentIn):
    """Ask Alipay for a QR code for this cart (alipay.trade.precreate); 502 when Alipay fails or is slow."""
    key = idempotency_key()
    device_id = acting_for(principal, "device", body.device_id)
    location = body.location
    cart = payments.PaymentRequest(key, tuple((i.sku, i.quantity) for i in body.items),
                                   location.lat if location else None, location.lng if location else None)
    return reply(payments.create_payment(get_store(), device_id, principal.name, cart), [])


@endpoint(bp, "/payments/<ref:payment_id>", auth=("device", "admin"), responses={200: PaymentOut})
def get_payment(principal, payment_id: str):
    """A payment's state (the device that created it, or admin)."""
    return payments.payment_view(get_store(), payment_id, principal), 200


@endpoint(bp, "/payments/alipay/notify", methods=("POST",), auth=None, content_type="text/plain",
          responses={200: "text/plain", 400: "text/plain"}, errors=(413, 415), raw_body=(FORM, NOTIFICATION))
def alipay_notify():
    """Alipay's asynchronous notification (form-encoded, signed): `success`, or `fail` with 400."""
    store = get_store()
    alipay.client(store)  # 503 problem+json when payments are not configured
    if (request.content_length or 0) > MAX_BODY:
        raise BadRequest("The body is larger than 2 MiB", status=413, title="Payload too large")
    if request.mimetype != FORM:
        raise BadRequest(f"Alipay's notifications are `{FORM}`", status=415, title="Unsupported media type")
    valid, events = payments.handle_notification(store, request.form.to_dict())
    committed(events)
    return Response("success" if valid else "fail", status=200 if valid else 400, mimetype="text/plain")


@endpoint(bp, "/purchases/<ref:purchase_id>/refund", methods=("POST",), auth=("admin",), body=RefundIn,
          responses={201: RefundOut}, headers=HEADERS, errors=(409, 502))
def refund_purchase(principal, body: RefundIn, purchase_id: str):
    """Refund (part of) a purchase: Alipay's trade.refund for Alipay purchases, recorded for the others."""
    key = idempotency_key()
    ask = refunds.RefundRequest(key, purchase_id, body.amount_cents, body.reason)
    outcome, events = refunds.refund_purchase(get_store(), principal.name, ask)
    return reply(outcome, events)
