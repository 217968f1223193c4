"""``POST /payments`` and ``GET /payments/{id}``: a priced cart asked of Alipay as a QR code.

Three short steps, so that no transaction is open while Alipay is asked and a failed
precreate leaves no row:
1. the payment row is committed in state ``creating`` (its id is made from the caller and
   the idempotency key, so a concurrent retry meets it on the primary key: 409 in progress);
2. ``alipay.trade.precreate`` (timeout bounded, see ``ingest.alipay``);
3. success: the row becomes ``pending`` with its QR code and the idempotency record holds the
   reply, in one transaction; failure: the row is deleted and the 502 raised (a retry may try again).
A notification can only come for a trade Alipay created, so one that arrives between 1 and 3
is settled at once from the row (it holds the priced cart); step 3 then keeps ``paid``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from ingest import alipay, idempotency, lookups
from ingest.errors import Conflict, Forbidden, NotFound, PaymentGatewayError
from store.outbox import dumps
from ingest.payments import rows
from ingest.purchases import PurchaseRequest, PurchaseSettlement
from ingest.settlement import CREATED, Outcome
from ingest.timing import iso, utcnow

SUBJECT_PREFIX = "BuyFree "


@dataclass(frozen=True)
class PaymentRequest:
    key: str
    items: tuple[tuple[str, int], ...]  # (sku, quantity)
    lat: float | None = None
    lng: float | None = None

    @cached_property
    def digest(self) -> str:
        return idempotency.request_hash({"items": self.items, "location": [self.lat, self.lng]})


def subject(lines, products) -> str:
    """What the passenger sees in Alipay: the goods."""
    return SUBJECT_PREFIX + ", ".join(f"{products[sku].name or sku} ×{q}" for _, sku, q, _, _ in lines)


def create_payment(store, device_id: int, principal: str, request: PaymentRequest) -> Outcome:
    gateway = alipay.client(store)  # 503 before anything else when payments are not configured
    replay = _stored(store, principal, request)
    if replay is not None:
        return replay
    driver_id = lookups.device_driver(store, device_id)
    now = utcnow()
    # the rules of a purchase's items, and its prices: the same strategy prices both
    cart = PurchaseSettlement(store, device_id, driver_id, now).prepare(
        PurchaseRequest(request.key, now, request.items, "alipay", None, request.lat, request.lng))
    pid = rows.payment_id(principal, request.key)
    minutes = store.settings.payment_expiry_minutes
    expires = now + timedelta(minutes=minutes)
    with store.engine.begin() as conn:
        fresh = rows.insert_creating(conn, id=pid, device=device_id, driver=driver_id, total=cart.total_cents,
                                     items=dumps([list(line) for line in cart.lines]), hash=request.digest,
                                     lat=request.lat, lng=request.lng, expires=expires)
    if not fresh:  # the same key, sent again while (or after) the first was handled
        return _stored(store, principal, request) or _in_progress()
    try:
        qr_code = gateway.precreate(pid, cart.total_cents, subject(cart.lines, lookups.products(
            store, [line[1] for line in cart.lines])), minutes)
    except PaymentGatewayError:
        with store.engine.begin() as conn:
            rows.forget(conn, pid)
        raise
    with store.engine.begin() as conn:
        status = rows.set_pending(conn, pid, qr_code)
        body = dumps({"id": pid, "status": status, "total_cents": cart.total_cents, "qr_code": qr_code,
                      "expires_at": iso(expires, store.settings.tz)})
        if not idempotency.claim(conn, principal, {request.key: request.digest}):
            raise Conflict("a request with this key is in progress; retry", field=idempotency.FIELD)
        idempotency.complete(conn, principal, CREATED, {request.key: body})
    return Outcome(request.key, CREATED, body)


def _stored(store, principal: str, request: PaymentRequest) -> Outcome | None:
    with store.engine.connect() as conn:
        found = idempotency.stored(conn, [(principal, request.key)]).get((principal, request.key))
    if found is None:
        return None
    stored = idempotency.replay(found, request.digest)  # 422 for the same key with another cart
    return Outcome(request.key, stored.status, stored.body, replayed=True)


def _in_progress():
    raise Conflict("a request with this key is in progress; retry", field=idempotency.FIELD)


def payment_view(store, payment_id: str, actor) -> dict:
    """``GET /payments/{id}``: the device that created it, or an admin."""
    with store.engine.connect() as conn:
        row = rows.load(conn, payment_id)
        if row is None:
            raise NotFound(f"payment {payment_id} does not exist", field="id")
        if not (actor.kind == "admin" or (actor.kind == "device" and actor.id == row.device_id)):
            raise Forbidden("only the device that created this payment or an admin may read it")
        return rows.view(row, rows.refunded_cents(conn, row.purchase_id), store.settings.tz)
