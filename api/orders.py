"""Reads of the write side: ``GET /orders``, a device's stock, an account's balance."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint
from sqlalchemy import select

from api.errors import Forbidden, NotFound
from api.routing import endpoint
from api.schemas.common import ID_MAX
from api.schemas.ingest import BalanceOut, DeviceStockOut, OrdersPage, OrdersQuery
from ingest import devices, ledger, orders
from store import get_store, request_session
from store.models import Device

bp = Blueprint("orders", __name__, url_prefix="/api/v1")


@endpoint(bp, "/orders", auth=("admin", "station", "driver"), query=OrdersQuery, responses={200: OrdersPage})
def list_orders(principal, query: OrdersQuery):
    """Orders (wholesale) or purchases (retail), newest first; a station sees its own, a driver its own."""
    station_id, driver_id = query.station_id, query.driver_id
    if principal.kind == "station":
        if query.kind == "retail" or station_id not in (None, principal.id):
            raise Forbidden("A station token reads its own station's orders only")
        station_id = principal.id
    elif principal.kind == "driver":
        if driver_id not in (None, principal.id) or not _own_device(principal, query.device_id):
            raise Forbidden("A driver token reads its own orders only")
        driver_id = principal.id
    tz = get_store().settings.tz
    flt = orders.OrderFilter(kind=query.kind, status=query.status, station_id=station_id, driver_id=driver_id,
                             device_id=query.device_id, since=_bound(query.from_, tz),
                             until=_bound(query.to, tz, end=True))
    return orders.page(request_session(), flt, query.page, query.per_page, tz), 200


def _own_device(principal, device_id: int | None) -> bool:
    """No device named, or one of the driver's (an unknown one is not: its existence is no one's business)."""
    if device_id is None:
        return True
    return request_session().scalar(select(Device.driver_id).where(Device.id == device_id)) == principal.id


def _bound(value: date | datetime | None, tz, end: bool = False) -> datetime | None:
    """A business day becomes its start (``to``: the next day's start, so the day is included)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1) if end else value, time(), tzinfo=tz)


@endpoint(bp, "/devices/<id:device_id>/stock", auth=("admin", "driver"), responses={200: DeviceStockOut})
def device_stock(principal, device_id: int):
    """The device's stock by sku (admin, or the device's driver)."""
    session = request_session()
    owner = devices.device_owner(session, device_id)
    if principal.kind == "driver" and principal.id != owner:
        raise Forbidden("A driver reads the stock of its own devices only")
    return devices.device_stock(session, device_id), 200


@endpoint(bp, "/accounts/<account:owner>/balance", auth=("admin", "station", "driver"), responses={200: BalanceOut})
def balance(principal, owner: str):
    """Balance from the double-entry ledger: `driver:{id}` or `station:{id}`."""
    kind, _, number = owner.partition(":")
    owner_id = int(number)  # the converter took ASCII digits only
    if not 0 < owner_id <= ID_MAX:
        raise NotFound("An account is `driver:{id}` or `station:{id}` with an id 1..2147483647")
    if not principal.owns(kind, owner_id):
        raise Forbidden(f"This token may not read {owner}")
    return ledger.balance(request_session(), kind, owner_id), 200
