"""Replenishment orders: a driver restocks from stations (``ReplenishmentSettlement``),
and the order's state machine: awaiting_pickup → picked_up | cancelled.

The cart is split into one order per station at supply prices; station stock
is reserved in the same transaction (``ingest.stock``); each order is one
ledger transfer ``driver:{id}`` → ``station:{id}``. A cancel reverses the
transfer and the reservation; the scheduler's pickup expiry calls the same
``cancel_order`` as the HTTP route.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property

from sqlalchemy import select, text

from ingest import ledger, lookups, orders, stock
from store import outbox
from ingest.errors import Conflict, Forbidden, Invalid, NotFound
from ingest.settlement import ClaimFirstSettlement, Outcome, settle_one
from ingest.timing import iso, utcnow
from store.ids import new_id
from store.models import Device, Order, Station

_ORDERS = text(
    "INSERT INTO orders (id, created_at, request_id, station_id, driver_id, status, total_cents, units, "
    "payment_method, payment_reference, note, pickup_at) "
    "SELECT id, :created, :request, st, :driver, 'awaiting_pickup', total, units, :method, :ref, :note, :pickup "
    "FROM unnest(CAST(:ids AS text[]), CAST(:st AS int[]), CAST(:totals AS bigint[]), CAST(:units AS int[])) "
    "AS t(id, st, total, units)")
_LINES = text(
    "INSERT INTO order_lines (order_id, created_at, product_id, station_id, driver_id, quantity, unit_price_cents, "
    "amount_cents) SELECT id, :created, pr, st, :driver, q, unit, q * unit "
    "FROM unnest(CAST(:ids AS text[]), CAST(:pr AS int[]), CAST(:st AS int[]), CAST(:q AS int[]), "
    "CAST(:unit AS bigint[])) AS t(id, pr, st, q, unit)")
_SET_STATUS = text(
    "UPDATE orders SET status = :status, picked_up_at = coalesce(:picked, picked_up_at), "
    "cancelled_at = coalesce(:cancelled, cancelled_at), cancel_reason = coalesce(:reason, cancel_reason), "
    "device_id = coalesce(:device, device_id) WHERE id = :id AND created_at = :created")


@dataclass(frozen=True)
class Actor:
    """Who acts on an order; ``api.auth.Principal`` has the same shape."""
    kind: str  # admin | station | driver | scheduler
    id: int | None = None


SCHEDULER = Actor("scheduler")
MAX_TOTAL_CENTS = 10**15  # ¥10 trillion: far beyond any cart, far below what a BIGINT sum can hold
CANCEL_REASONS = {"driver": "driver", "station": "station", "admin": "admin", "scheduler": "expired"}


@dataclass(frozen=True)
class ReplenishmentRequest:
    key: str
    items: tuple[tuple[int, str, int], ...]  # (station_id, sku, quantity)
    payment_method: str
    payment_reference: str | None = None
    note: str | None = None
    pickup_at: datetime | None = None

    @cached_property
    def digest(self) -> str:
        from ingest.idempotency import request_hash

        pickup = self.pickup_at.astimezone(timezone.utc).isoformat() if self.pickup_at else None
        return request_hash({"items": self.items, "payment": [self.payment_method, self.payment_reference],
                             "note": self.note, "pickup_at": pickup})


@dataclass
class _Cart:
    request: ReplenishmentRequest
    lines: list[tuple[stock.Line, int]]  # (line, unit supply price)


class ReplenishmentSettlement(ClaimFirstSettlement):
    kind = "replenishment"

    def __init__(self, store, driver_id: int, now: datetime | None = None):
        self.store, self.driver_id, self.now = store, driver_id, now or utcnow()
        self.tz = store.settings.tz

    def prepare(self, request: ReplenishmentRequest) -> _Cart:
        products = lookups.products(self.store, {sku for _, sku, _ in request.items})
        lines, seen = [], set()
        for index, (station_id, sku, quantity) in enumerate(request.items):
            product = products.get(sku)
            if product is None:
                raise Invalid(f"unknown sku {sku!r}", field=f"items[{index}].sku")
            if (station_id, sku) in seen:
                raise Invalid(f"{sku} at station {station_id} appears twice; send one line each",
                              field=f"items[{index}].sku")
            seen.add((station_id, sku))
            lines.append((stock.Line(index, station_id, product.id, sku, quantity), product.supply_price_cents))
        if sum(line.quantity * unit for line, unit in lines) > MAX_TOTAL_CENTS:
            raise Invalid("the cart's total is beyond any real order; split it", field="items")
        return _Cart(request, lines)

    def write(self, session, prepared: list[_Cart]) -> tuple[dict, list]:
        bodies, events = {}, []
        for cart in prepared:  # one cart per request; a batch of carts would simply loop
            body, payload = self._write_cart(session, cart)
            bodies[cart.request.key] = body
            events += outbox.write(session, self.kind, [payload])
        return bodies, events

    def _write_cart(self, session, cart: _Cart) -> tuple[dict, dict]:
        self._check_stations(session, cart)
        stock.reserve(session, [line for line, _ in cart.lines])
        by_station: dict[int, list] = {}
        for line, unit in cart.lines:
            by_station.setdefault(line.station_id, []).append((line, unit))
        ids = {station_id: new_id("ord_") for station_id in by_station}
        totals = {sid: sum(line.quantity * unit for line, unit in group) for sid, group in by_station.items()}
        r = cart.request
        common = {"created": self.now, "driver": self.driver_id}
        session.execute(_ORDERS, {**common, "request": new_id("rq_"), "method": r.payment_method,
                                  "ref": r.payment_reference, "note": r.note, "pickup": r.pickup_at,
                                  "ids": list(ids.values()), "st": list(ids), "totals": list(totals.values()),
                                  "units": [sum(line.quantity for line, _ in by_station[sid]) for sid in ids]})
        flat = [(ids[line.station_id], line, unit) for line, unit in cart.lines]
        session.execute(_LINES, {**common, "ids": [f[0] for f in flat], "pr": [f[1].product_id for f in flat],
                                 "st": [f[1].station_id for f in flat], "q": [f[1].quantity for f in flat],
                                 "unit": [f[2] for f in flat]})
        driver = ledger.account("driver", self.driver_id)
        ledger.write(session, [ledger.Transfer(ids[sid], self.kind, ids[sid], driver, ledger.account("station", sid),
                                               totals[sid]) for sid in ids])
        created = iso(self.now, self.tz)
        bodies, payloads = [], []
        for sid, group in by_station.items():
            items = [{"sku": line.sku, "quantity": line.quantity, "unit_price_cents": unit,
                      "amount_cents": line.quantity * unit} for line, unit in group]
            bodies.append({"id": ids[sid], "station_id": sid, "driver_id": self.driver_id, "status": "awaiting_pickup",
                           "created_at": created, "total_cents": totals[sid], "items": items, "note": r.note,
                           "pickup_at": iso(r.pickup_at, self.tz), "device_id": None, "picked_up_at": None,
                           "cancelled_at": None})
            payloads.append(_payload(ids[sid], sid, self.driver_id, created, totals[sid],
                                     [(line.product_id, line.quantity, line.quantity * unit) for line, unit in group]))
        return {"orders": bodies, "total_cents": sum(totals.values())}, {"orders": payloads}

    @staticmethod
    def _check_stations(session, cart: _Cart) -> None:
        wanted = {line.station_id for line, _ in cart.lines}
        known = set(session.execute(select(Station.id).where(Station.id.in_(wanted))).scalars())
        for line, _ in cart.lines:
            if line.station_id not in known:
                raise Invalid(f"station {line.station_id} does not exist", field=f"items[{line.index}].station_id")


def _payload(order_id, station_id, driver_id, created_at: str, total: int, lines) -> dict:
    """The order as the outbox carries it (docs/internals.md)."""
    return {"order_id": order_id, "station_id": station_id, "driver_id": driver_id, "created_at": created_at,
            "total_cents": total, "lines": [{"product_id": p, "quantity": q, "amount_cents": a} for p, q, a in lines]}


def place_order(store, driver_id: int, principal: str, request: ReplenishmentRequest) -> tuple[Outcome, list]:
    """``POST /replenishments``: 201 with the orders, or the stored reply of the key."""
    return settle_one(store, ReplenishmentSettlement(store, driver_id), principal, request)


def _locked_order(session, order_id: str):
    row = orders.load(session, order_id, lock=True)
    if row is None:
        raise NotFound(f"order {order_id} does not exist", field="id")
    return row


def _lines(session, row) -> list[tuple[stock.Line, object]]:
    found = orders.order_lines(session, [row.id]).get(row.id, [])
    return [(stock.Line(i, row.station_id, x.product_id, x.sku, x.quantity), x) for i, x in enumerate(found)]


def pickup(store, order_id: str, actor, device_id: int | None = None,
           now: datetime | None = None) -> tuple[dict, list]:
    """That station (or admin) hands the goods over: the driver's device stock goes up. Returns the
    order and the events committed (none for a repeat), for the hand-off.

    Repeating a pickup returns the same order; a cancelled order is a 409. ``now``: when it
    happened (the demo's history hands over orders in the past).
    """
    events = []
    with store.transaction() as session:
        row = _locked_order(session, order_id)
        if not (actor.kind == "admin" or (actor.kind == "station" and actor.id == row.station_id)):
            raise Forbidden(f"only station {row.station_id} or an admin may hand over this order")
        if row.status == "cancelled":
            raise Conflict("the order was cancelled; it cannot be picked up", field="status")
        if row.status == "awaiting_pickup":
            device = _pickup_device(session, row.driver_id, device_id)
            session.execute(_SET_STATUS, {"status": "picked_up", "picked": now or utcnow(), "cancelled": None,
                                          "reason": None, "device": device, "id": row.id, "created": row.created_at})
            lines = _lines(session, row)
            stock.add_to_device(session, device, [line for line, _ in lines])
            row = orders.load(session, order_id)
            # No figure changes; the event is for the maps and the AMQP stream (order.picked_up), after the
            # order's row lock like every event of an order, so one order's events commit in id order.
            tz = store.settings.tz
            events = outbox.write(session, "replenishment_picked_up", [{
                **_payload(row.id, row.station_id, row.driver_id, iso(row.created_at, tz), row.total_cents,
                           [(x.product_id, x.quantity, x.amount_cents) for _, x in lines]),
                "device_id": device, "picked_up_at": iso(row.picked_up_at, tz)}])
        return orders.order_with_lines(session, row, store.settings.tz), events


def _pickup_device(session, driver_id: int, device_id: int | None) -> int:
    devices = list(session.execute(select(Device.id).where(Device.driver_id == driver_id)
                                   .order_by(Device.id)).scalars())
    if device_id is not None:
        if device_id not in devices:
            raise Invalid(f"device {device_id} is not a device of driver {driver_id}", field="device_id")
        return device_id
    if len(devices) == 1:
        return devices[0]
    if not devices:
        raise Conflict(f"driver {driver_id} has no device to load the goods into", field="device_id")
    raise Invalid(f"driver {driver_id} has {len(devices)} devices: name one", field="device_id")


def cancel_order(store, order_id: str, actor, reason: str | None = None) -> tuple[dict, list]:
    """Cancel an order awaiting pickup: station stock back, money back, figures reversed.

    ``actor``: the ordering driver, that station, an admin, or ``SCHEDULER``
    (pickup expiry). Cancelling again returns the same order; a picked-up
    order is a 409.
    """
    with store.transaction() as session:
        row = _locked_order(session, order_id)
        allowed = actor.kind in ("admin", "scheduler") or (actor.kind == "station" and actor.id == row.station_id) \
            or (actor.kind == "driver" and actor.id == row.driver_id)
        if not allowed:
            raise Forbidden("only the ordering driver, that station or an admin may cancel this order")
        if row.status == "picked_up":
            raise Conflict("the order was picked up; it cannot be cancelled", field="status")
        events = []
        if row.status == "awaiting_pickup":
            lines = _lines(session, row)
            stock.restore(session, [line for line, _ in lines])
            session.execute(_SET_STATUS, {"status": "cancelled", "picked": None, "cancelled": utcnow(),
                                          "reason": reason or CANCEL_REASONS.get(actor.kind, actor.kind),
                                          "device": None, "id": row.id, "created": row.created_at})
            ledger.write(session, [ledger.Transfer(f"{row.id}:cancel", "replenishment_cancel", row.id,
                                                   ledger.account("station", row.station_id),
                                                   ledger.account("driver", row.driver_id), row.total_cents)])
            tz = store.settings.tz
            events = outbox.write(session, "replenishment_cancelled", [_payload(
                row.id, row.station_id, row.driver_id, iso(row.created_at, tz), row.total_cents,
                [(x.product_id, x.quantity, x.amount_cents) for _, x in lines])])
            row = orders.load(session, order_id)
        return orders.order_with_lines(session, row, store.settings.tz), events


def expire_overdue(store, now: datetime | None = None, limit: int = 500) -> list:
    """Cancel orders awaiting pickup longer than ``pickup_expiry_hours`` (the scheduler's job)."""
    cutoff = (now or utcnow()) - timedelta(hours=store.settings.pickup_expiry_hours)
    with store.transaction() as session:
        due = list(session.execute(select(Order.id).where(Order.status == "awaiting_pickup", Order.created_at < cutoff)
                                   .order_by(Order.created_at).limit(limit)).scalars())
    events = []
    for order_id in due:
        try:
            events += cancel_order(store, order_id, SCHEDULER)[1]
        except Conflict:  # picked up meanwhile: nothing to expire
            continue
    return events
