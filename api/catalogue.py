"""API.md "Catalogue and accounts" (admin) and the station list (any token)."""
from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import select

from api.auth import ANY
from api.routing import endpoint
from api.writes import committed
from api.schemas.catalogue import (AdIn, AdOut, DeviceCreated, DeviceIn, DriverCreated, DriverIn, DriverOut, ProductIn,
                                   ProductOut, ScreenCreated, ScreenIn, StationCreated, StationIn, StationList,
                                   StationOut, StockIn, StockOut, UserIn, UserOut)
from api.schemas.common import iso
from ingest import catalogue
from store import get_store, request_session
from store.models import Station

bp = Blueprint("catalogue", __name__, url_prefix="/api/v1")


def _station(row, **extra) -> dict:
    return {"id": row.id, "name": row.name, "address": row.address, "lat": row.lat, "lng": row.lng, **extra}


@endpoint(bp, "/stations", methods=("POST",), body=StationIn, responses={201: StationCreated})
def create_station(principal, body: StationIn):
    """Create a supply station; its api_key is shown once."""
    store = get_store()
    created = catalogue.create_station(store, **body.model_dump())
    committed(created.events)  # on the map at once (Redis down: at the outbox replay)
    return _station(created.row, api_key=created.token), 201


@endpoint(bp, "/stations", auth=ANY, responses={200: StationList})
def list_stations(principal):
    """Every station."""
    rows = request_session().scalars(select(Station).order_by(Station.id))
    return {"items": [_station(r) for r in rows]}


@endpoint(bp, "/products", methods=("POST",), body=ProductIn, responses={201: ProductOut}, errors=(409,))
def create_product(principal, body: ProductIn):
    """Add a product to the catalogue (sku unique)."""
    created = catalogue.create_product(get_store(), **body.model_dump())
    committed(created.events)  # searchable at once (Redis down: at the outbox replay)
    return ProductOut.model_validate(created.row).model_dump(), 201


@endpoint(bp, "/stations/<id:station_id>/stock", methods=("PUT",), body=StockIn, responses={200: StockOut})
def set_stock(principal, station_id: int, body: StockIn):
    """Set a station's stock rows; returns all rows of the station."""
    rows, events = catalogue.set_station_stock(get_store(), station_id, [r.model_dump() for r in body.items])
    committed(events)
    return {"items": [{"sku": sku, "quantity": qty, "on_shelf": shelf} for sku, qty, shelf in rows]}


@endpoint(bp, "/drivers", methods=("POST",), body=DriverIn, responses={201: DriverCreated})
def create_driver(principal, body: DriverIn):
    """Register a driver; the api_key is shown once."""
    created = catalogue.create_driver(get_store(), **body.model_dump())
    return {**DriverOut.model_validate(created.row).model_dump(), "api_key": created.token}, 201


@endpoint(bp, "/devices", methods=("POST",), body=DeviceIn, responses={201: DeviceCreated}, errors=(404, 409))
def create_device(principal, body: DeviceIn):
    """Register a vending device for a driver; not activated until its first heartbeat."""
    created = catalogue.create_device(get_store(), **body.model_dump())
    row = created.row
    return {"id": row.id, "serial": row.serial, "driver_id": row.driver_id, "activated": False,
            "api_key": created.token}, 201


@endpoint(bp, "/ads", methods=("POST",), body=AdIn, responses={201: AdOut})
def create_ad(principal, body: AdIn):
    """Add an ad campaign."""
    row = catalogue.create_ad(get_store(), **body.model_dump()).row
    tz = get_store().settings.tz
    return {"id": row.id, "title": row.title, "advertiser": row.advertiser, "expected_plays": row.expected_plays,
            "price_per_play_cents": row.price_per_play_cents, "starts_at": iso(row.starts_at, tz),
            "ends_at": iso(row.ends_at, tz)}, 201


@endpoint(bp, "/users", methods=("POST",), body=UserIn, responses={201: UserOut}, errors=(404, 409))
def create_user(principal, body: UserIn):
    """Create a console user (admin or station manager)."""
    row = catalogue.create_user(get_store(), **body.model_dump()).row
    return UserOut.model_validate(row).model_dump(), 201


@endpoint(bp, "/screens", methods=("POST",), body=ScreenIn, responses={201: ScreenCreated}, errors=(404,))
def create_screen(principal, body: ScreenIn):
    """Create a read-only kiosk link for a wall display."""
    created = catalogue.create_screen(get_store(), **body.model_dump())
    row = created.row
    return {"id": row.id, "label": row.label, "station_id": row.station_id, "token": created.token,
            "url": f"/screen/k/{created.token}"}, 201


@endpoint(bp, "/screens/<id:screen_id>", methods=("DELETE",), responses={204: None})
def delete_screen(principal, screen_id: int):
    """Revoke a kiosk link at once."""
    catalogue.delete_screen(get_store(), screen_id)
    return Response(status=204)
