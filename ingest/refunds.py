"""Refunds of purchases (``RefundSettlement``): money back from the driver, figures down by it.

``POST /purchases/{id}/refund``: an Alipay purchase (one recorded from a payment) is refunded
at Alipay first (``alipay.trade.refund`` with ``out_request_no`` = the refund id, which is made
from the caller and the idempotency key, so a retry never refunds twice at Alipay either);
other purchases are refunded by hand and only recorded. Then one transaction: the purchase row
locked, refunds never above its total (409), the refund and its lines (its amount shared over
the purchase's products in proportion to what is left of each), the ledger ``driver:{id}`` →
``passengers``, the stored reply and a ``purchase_refunded`` event (figures of the purchase's
periods go down by the amount; units and orders stay). Owner of ``refunds`` and ``refund_lines``.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import text

from ingest import alipay, idempotency, ledger
from store import outbox
from ingest.errors import Conflict, NotFound
from ingest.settlement import ClaimFirstSettlement, Outcome, settle_one
from ingest.timing import iso, utcnow

_PURCHASE = text("SELECT id, occurred_at, device_id, driver_id, total_cents, payment_method FROM purchases "
                 "WHERE id = :id {lock}")
_LINES = text("SELECT product_id, amount_cents FROM purchase_lines WHERE purchase_id = :id "
              "AND occurred_at = :occ ORDER BY product_id")
_REFUNDED = text("SELECT l.product_id, sum(l.amount_cents) AS amount FROM refund_lines l "
                 "JOIN refunds r ON r.id = l.refund_id WHERE r.purchase_id = :id GROUP BY 1")
_PAYMENT = text("SELECT id FROM payments WHERE purchase_id = :id AND status = 'paid'")
_REFUND = text("INSERT INTO refunds (id, purchase_id, purchase_occurred_at, device_id, driver_id, amount_cents, "
               "method, reason, status, created_at) VALUES (:id, :purchase, :occ, :device, :driver, :amount, "
               ":method, :reason, 'succeeded', :created)")
_REFUND_LINES = text(
    "INSERT INTO refund_lines (refund_id, product_id, occurred_at, device_id, driver_id, amount_cents) "
    "SELECT :id, p, :occ, :device, :driver, a FROM unnest(CAST(:products AS int[]), CAST(:amounts AS bigint[])) "
    "AS t(p, a)")


@dataclass(frozen=True)
class RefundRequest:
    key: str
    purchase_id: str
    amount_cents: int | None
    reason: str

    @cached_property
    def digest(self) -> str:
        return idempotency.request_hash({"purchase": self.purchase_id, "amount": self.amount_cents,
                                         "reason": self.reason})


def refund_id(principal: str, key: str) -> str:
    return "ref_" + base64.b32encode(hashlib.sha256(f"{principal}\0{key}".encode()).digest()).decode().lower()[:26]


def shares(amount: int, left: dict[int, int]) -> dict[int, int]:
    """``amount`` over products in proportion to what is left of each (``left``: product → fen),
    largest remainders first, ties to the smaller product id; no share exceeds what is left."""
    total = sum(left.values())
    if not 0 < amount <= total:
        raise ValueError("amount must be within what is left")
    base = {p: amount * v // total for p, v in left.items()}
    order = sorted(left, key=lambda p: (-(amount * left[p] % total), p))
    for p in order[:amount - sum(base.values())]:
        base[p] += 1
    return {p: v for p, v in base.items() if v}


def _purchase(conn, purchase_id: str, lock: bool = False):
    row = conn.execute(text(_PURCHASE.text.format(lock="FOR UPDATE" if lock else "")), {"id": purchase_id}).first()
    if row is None:
        raise NotFound(f"purchase {purchase_id} does not exist", field="id")
    return row


def _left(conn, purchase) -> dict[int, int]:
    refunded = dict(conn.execute(_REFUNDED, {"id": purchase.id}).all())
    return {p: a - int(refunded.get(p, 0))
            for p, a in conn.execute(_LINES, {"id": purchase.id, "occ": purchase.occurred_at}).all()}


def _amount(request: RefundRequest, left: dict[int, int]) -> int:
    remaining = sum(left.values())
    amount = remaining if request.amount_cents is None else request.amount_cents
    if remaining <= 0:
        raise Conflict("this purchase has been refunded in full", field="amount_cents")
    if amount > remaining:
        raise Conflict(f"refunds of a purchase never exceed its total: {remaining} fen are left to refund",
                       field="amount_cents")
    return amount


@dataclass
class _Refund:
    request: RefundRequest
    id: str


class RefundSettlement(ClaimFirstSettlement):
    kind = "purchase_refunded"

    def __init__(self, store, principal: str, amount: int):
        self.store, self.principal, self.amount = store, principal, amount  # decided before Alipay was asked

    def prepare(self, request: RefundRequest) -> _Refund:
        return _Refund(request, refund_id(self.principal, request.key))

    def write(self, conn, prepared: list[_Refund]) -> tuple[dict, list]:
        (refund,) = prepared
        r = refund.request
        purchase = _purchase(conn, r.purchase_id, lock=True)  # refunds of one purchase, one at a time
        left = _left(conn, purchase)
        amount = _amount(RefundRequest(r.key, r.purchase_id, self.amount, r.reason), left)
        parts = shares(amount, {p: v for p, v in left.items() if v > 0})
        created = utcnow()
        common = {"id": refund.id, "occ": purchase.occurred_at, "device": purchase.device_id,
                  "driver": purchase.driver_id}
        conn.execute(_REFUND, {**common, "purchase": purchase.id, "amount": amount,
                               "method": purchase.payment_method, "reason": r.reason, "created": created})
        conn.execute(_REFUND_LINES, {**common, "products": list(parts), "amounts": list(parts.values())})
        ledger.write(conn, [ledger.Transfer(refund.id, "refund", purchase.id,
                                            ledger.account("driver", purchase.driver_id), ledger.PASSENGERS, amount)])
        tz = self.store.settings.tz
        events = outbox.write(conn, self.kind, [{
            "refund_id": refund.id, "purchase_id": purchase.id, "device_id": purchase.device_id,
            "driver_id": purchase.driver_id, "occurred_at": iso(purchase.occurred_at, tz), "amount_cents": amount,
            "lines": [{"product_id": p, "amount_cents": a} for p, a in parts.items()]}])
        body = {"id": refund.id, "purchase_id": purchase.id, "amount_cents": amount, "status": "succeeded",
                "created_at": iso(created, tz)}
        return {r.key: body}, events


def refundable_cents(store, purchase_id: str) -> int:
    """What is left to refund of a purchase (404 when unknown)."""
    with store.engine.connect() as conn:
        return sum(_left(conn, _purchase(conn, purchase_id)).values())


def refund_purchase(store, principal: str, request: RefundRequest) -> tuple[Outcome, list]:
    """201 with the refund, or the stored reply of the key; 404, 409, 502 (Alipay)."""
    with store.engine.connect() as conn:
        found = idempotency.stored(conn, [(principal, request.key)]).get((principal, request.key))
        if found is not None:
            stored = idempotency.replay(found, request.digest)
            return Outcome(request.key, stored.status, stored.body, replayed=True), []
        purchase = _purchase(conn, request.purchase_id)
        amount = _amount(request, _left(conn, purchase))
        payment = conn.execute(_PAYMENT, {"id": purchase.id}).scalar()
    if payment is not None:  # recorded from an Alipay payment: the money goes back through Alipay
        alipay.client(store).refund(payment, amount, refund_id(principal, request.key), request.reason)
    return settle_one(store, RefundSettlement(store, principal, amount), principal, request)
