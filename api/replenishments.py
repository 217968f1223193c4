"""API.md "Ingest", restocking: replenishment orders, pickup, cancel."""
from __future__ import annotations

from flask import Blueprint

from api.routing import endpoint
from api.schemas.ingest import OrderOut, PickupIn, ReplenishmentIn, ReplenishmentOut
from api.writes import HEADERS, acting_for, committed, idempotency_key, reply
from ingest import replenishments
from store import get_store

bp = Blueprint("replenishments", __name__, url_prefix="/api/v1")


@endpoint(bp, "/replenishments", methods=("POST",), auth=("driver", "admin"), body=ReplenishmentIn,
          responses={201: ReplenishmentOut}, headers=HEADERS, errors=(404, 409))
def create_replenishment(principal, body: ReplenishmentIn):
    """A driver restocks: one order per station, station stock reserved, paid at supply prices."""
    key = idempotency_key()
    driver_id = acting_for(principal, "driver", body.driver_id)
    cart = replenishments.ReplenishmentRequest(
        key=key, items=tuple((i.station_id, i.sku, i.quantity) for i in body.items),
        payment_method=body.payment.method, payment_reference=body.payment.reference, note=body.note,
        pickup_at=body.pickup_at)
    outcome, events = replenishments.place_order(get_store(), driver_id, principal.name, cart)
    return reply(outcome, events)


@endpoint(bp, "/replenishments/<ref:order_id>/pickup", methods=("POST",), auth=("station", "admin"),
          body=PickupIn, body_required=False, responses={200: OrderOut}, errors=(409,))
def pickup_order(principal, order_id: str, body: PickupIn):
    """That station hands the goods over: the driver's device stock goes up. Body `{"device_id"}` optional."""
    order, events = replenishments.pickup(get_store(), order_id, principal, body.device_id)
    committed(events)  # the maps and queues drop the order now; the alert rules of the device look again
    return order, 200


@endpoint(bp, "/replenishments/<ref:order_id>/cancel", methods=("POST",), auth=("driver", "station", "admin"),
          responses={200: OrderOut}, errors=(409,))
def cancel_order(principal, order_id: str):
    """Cancel an order awaiting pickup: stock and money go back, figures are reversed."""
    order, events = replenishments.cancel_order(get_store(), order_id, principal)
    committed(events)
    return order, 200
