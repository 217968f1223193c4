"""``POST /payments/alipay/notify``: Alipay's asynchronous notification, checked before it counts.

Order of the checks: the fields Alipay always sends, the RSA2 signature (Alipay's key,
all parameters but ``sign`` and ``sign_type``), our ``app_id``, a known ``out_trade_no``,
then ``total_amount`` equal to the payment's. Any failure records nothing and answers
``fail`` (Alipay retries); an amount that differs is also a ``payment_mismatch``. A valid
notification answers ``success``, every repeat too: the settlement records a purchase once.
"""
from __future__ import annotations

import logging

from ingest import alipay
from ingest.payments import paid, rows
from ingest.timing import utcnow

log = logging.getLogger(__name__)

REQUIRED = ("app_id", "out_trade_no", "trade_no", "trade_status", "total_amount", "sign", "sign_type")


def handle_notification(store, params: dict[str, str]) -> tuple[bool, list]:
    """(valid, committed events): ``success`` when valid, else ``fail``."""
    gateway = alipay.client(store)
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        log.warning("Alipay notification refused: missing %s", ", ".join(missing))
        return False, []
    if not gateway.verify_notification(params):
        log.warning("Alipay notification refused: bad signature (out_trade_no %s)", params["out_trade_no"][:64])
        return False, []
    if params["app_id"] != store.settings.alipay_app_id:
        log.warning("Alipay notification refused: app_id %s is not ours", params["app_id"][:32])
        return False, []
    with store.engine.connect() as conn:
        payment = rows.load(conn, params["out_trade_no"])
    if payment is None:
        log.warning("Alipay notification refused: unknown payment %s", params["out_trade_no"][:64])
        return False, []
    trade_no, status = params["trade_no"], params["trade_status"]
    try:
        amount = alipay.cents(params["total_amount"])
    except ValueError:
        amount = None
    if amount != payment.total_cents:
        events = paid.record_mismatch(store, payment.id, "amount", trade_no, {
            "alipay_total_amount": params["total_amount"], "total_cents": payment.total_cents,
            "trade_status": status})
        return False, events
    if status in alipay.PAID:
        if payment.status == "paid":  # one of Alipay's repeats: nothing to write (a race goes to the settlement)
            return True, []
        try:
            when = alipay.alipay_time(params.get("gmt_payment")) or utcnow()
        except ValueError:
            when = utcnow()
        try:
            return True, paid.record_paid(store, payment.id, trade_no, when)
        except paid.PaymentClosed:
            return True, paid.record_mismatch(store, payment.id, "paid_after_close", trade_no, {
                "total_cents": payment.total_cents, "closed_at": str(payment.closed_at), "trade_status": status})
    if status == "TRADE_CLOSED":
        return True, paid.close_payment(store, payment.id, "closed at Alipay")
    return True, []  # WAIT_BUYER_PAY: scanned, not paid yet
