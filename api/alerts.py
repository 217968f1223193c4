"""API.md "Alerts and restock": ``GET /alerts``, ``POST /alerts/{id}/ack``, ``GET /devices/{id}/restock``.

Rights: an admin sees and acknowledges every alert; a station token sees the
alerts of its station and its stock (``station_id`` = its id) and acknowledges
only those; a driver reads the restock suggestions of its own devices.
"""
from __future__ import annotations

from flask import Blueprint
from redis.exceptions import RedisError

from analytics import alerts
from analytics.alerts import table
from analytics.queries import device_restock
from api.errors import Forbidden
from api.queries import _redis_down
from api.routing import endpoint
from api.schemas.alerts import AlertOut, AlertsOut, AlertsQuery, RestockOut
from ingest import devices
from store import get_store, request_session

bp = Blueprint("alerts", __name__, url_prefix="/api/v1")
bp.register_error_handler(RedisError, _redis_down)  # the restock's distances come from Redis GEO


@endpoint(bp, "/alerts", auth=("admin", "station"), query=AlertsQuery, responses={200: AlertsOut})
def list_alerts(principal, query: AlertsQuery):
    """Alerts, newest first (a station token: its station's and its stock's)."""
    station_id = query.station_id
    if principal.kind == "station":
        if station_id not in (None, principal.id):
            raise Forbidden(f"This token may not read station {station_id}'s alerts")
        station_id = principal.id
    return table.page(request_session(), get_store().settings.tz, status=query.status, kind=query.kind,
                      station_id=station_id, page=query.page, per_page=query.per_page), 200


@endpoint(bp, "/alerts/<id:alert_id>/ack", methods=("POST",), auth=("admin", "station"), responses={200: AlertOut})
def acknowledge(principal, alert_id: int):
    """Acknowledge an alert: it stays open until its condition clears (admin, or that station)."""
    return alerts.acknowledge(get_store(), alert_id, None if principal.is_admin() else principal.id), 200


@endpoint(bp, "/devices/<id:device_id>/restock", auth=("admin", "driver"), responses={200: RestockOut})
def restock(principal, device_id: int):
    """Restock suggestions for a device, worst cover first (admin, or the device's driver)."""
    owner = devices.device_owner(request_session(), device_id)
    if principal.kind == "driver" and principal.id != owner:
        raise Forbidden("A driver reads the restock suggestions of its own devices only")
    return device_restock(get_store(), device_id), 200
