"""What Alipay's word changes: a payment paid (``PaymentSettlement``: exactly one purchase), a
payment closed, or a mismatch recorded for an operator. One transaction each, with its outbox events.

``PaymentSettlement`` is a strategy of ``ingest.settlement``: the payment becomes ``paid``
by a conditional UPDATE (a concurrent duplicate waits on the row, then finds it paid and
replays), and the purchase is written by ``PurchaseSettlement`` itself, with the cart as it
was priced for Alipay, under the idempotency record (``alipay``, payment id): the same rows,
stock, ledger and ``purchase`` event as ``POST /purchases``, never twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import text

from ingest import idempotency
from store import outbox
from ingest.errors import Conflict, NotFound
from ingest.payments import rows
from ingest.purchases import PurchaseRequest, PurchaseSettlement
from ingest.settlement import Settled, Settlement, settle_one
from ingest.timing import iso
from store.ids import new_id

log = logging.getLogger(__name__)

PRINCIPAL = "alipay"  # the idempotency scope of purchases recorded from payments (key: the payment id)
_MARK_PAID = text(
    "UPDATE payments SET status = 'paid', trade_no = :trade, paid_at = :paid, purchase_id = :purchase "
    "WHERE id = :id AND status IN ('creating', 'pending') "
    "RETURNING device_id, driver_id, items, lat, lng, total_cents")
_STATUS = text("SELECT status FROM payments WHERE id = :id")
_MISMATCH = text(
    "INSERT INTO payment_mismatches (payment_id, reason, trade_no, detail) VALUES (:id, :reason, :trade, "
    "CAST(:detail AS jsonb)) ON CONFLICT ON CONSTRAINT uq_payment_mismatches_once DO NOTHING RETURNING id")


class PaymentClosed(Conflict):
    """Alipay says paid, the platform closed the payment: an operator decides (a payment_mismatch)."""


@dataclass(frozen=True)
class PaidRequest(PurchaseRequest):
    """Alipay's word that payment ``key`` was paid; every report of it (notification, query) is the same request."""

    @cached_property
    def digest(self) -> str:
        return idempotency.request_hash({"paid": self.key})


@dataclass
class _Paid:
    request: PaidRequest
    purchase_id: str


class PaymentSettlement(Settlement):
    kind = "payment_paid"

    def __init__(self, store):
        self.store = store

    def prepare(self, request: PaidRequest) -> _Paid:
        return _Paid(request, new_id("pur_"))

    def apply(self, conn, principal: str, prepared: list[_Paid]) -> Settled:
        (paid,) = prepared
        r = paid.request
        row = conn.execute(_MARK_PAID, {"id": r.key, "trade": r.payment_reference, "paid": r.occurred_at,
                                        "purchase": paid.purchase_id}).first()
        if row is None:
            status = conn.execute(_STATUS, {"id": r.key}).scalar()
            if status == "paid":
                raise idempotency.KeyTaken()  # recorded by a concurrent or earlier report: replay it
            if status is None:
                raise NotFound(f"payment {r.key} does not exist", field="out_trade_no")
            raise PaymentClosed(f"payment {r.key} is {status}", field="out_trade_no")
        purchase = PurchaseSettlement(self.store, row.device_id, row.driver_id)
        request = PaidRequest(r.key, r.occurred_at, (), "alipay", r.payment_reference, row.lat, row.lng)
        settled = purchase.apply(conn, principal, [purchase.priced(request, [tuple(x) for x in row.items],
                                                                   paid.purchase_id)])
        settled.events += outbox.write(conn, self.kind, [{
            "payment_id": r.key, "purchase_id": paid.purchase_id, "device_id": row.device_id,
            "driver_id": row.driver_id, "trade_no": r.payment_reference, "total_cents": row.total_cents,
            "paid_at": iso(r.occurred_at, self.store.settings.tz)}])
        return settled


def record_paid(store, payment_id: str, trade_no: str, paid_at: datetime) -> list:
    """The payment is paid: its purchase, once (a repeat changes nothing). Raises ``PaymentClosed``."""
    request = PaidRequest(payment_id, paid_at, (), "alipay", trade_no)
    outcome, events = settle_one(store, PaymentSettlement(store), PRINCIPAL, request)
    if not outcome.replayed:
        log.info("payment %s paid (Alipay trade %s): purchase recorded", payment_id, trade_no)
    return events


def close_payment(store, payment_id: str, why: str) -> list:
    """A pending payment closes (expired, or closed at Alipay); an event when it changed."""
    with store.engine.begin() as conn:
        if not rows.close(conn, payment_id):
            return []
        log.info("payment %s closed: %s", payment_id, why)
        return outbox.write(conn, "payment_closed", [{"payment_id": payment_id, "reason": why}])


def record_mismatch(store, payment_id: str, reason: str, trade_no: str, detail: dict) -> list:
    """For an operator: one record (and one ``payment_mismatch`` event) per payment, reason and trade."""
    log.error("payment_mismatch: payment %s, Alipay trade %s: %s %s", payment_id, trade_no, reason, detail)
    with store.engine.begin() as conn:
        inserted = conn.execute(_MISMATCH, {"id": payment_id, "reason": reason, "trade": trade_no,
                                            "detail": outbox.dumps(detail)}).scalar()
        if inserted is None:
            return []
        return outbox.write(conn, "payment_mismatch", [{"mismatch_id": inserted, "payment_id": payment_id,
                                                        "reason": reason, "trade_no": trade_no, **detail}])
