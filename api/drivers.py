"""API.md "Ingest", driver side: GPS points and check-in; any driver request marks the driver active."""
from __future__ import annotations

import logging

from flask import Blueprint, g

from api.routing import endpoint
from api.schemas.ingest import AcceptedOut, CheckinOut, LocationsIn
from api.writes import committed
from ingest import activity, locations
from store import get_store

log = logging.getLogger(__name__)
bp = Blueprint("drivers", __name__, url_prefix="/api/v1")


@endpoint(bp, "/drivers/me/locations", methods=("POST",), auth=("driver",), body=LocationsIn,
          responses={202: AcceptedOut})
def post_locations(principal, body: LocationsIn):
    """GPS points of the driver's car; the newest becomes the live position."""
    points = [locations.Point(p.lat, p.lng, p.recorded_at) for p in body.points]
    accepted, events = locations.record_locations(get_store(), principal.id, points)
    committed(events)
    return {"accepted": accepted}, 202


@endpoint(bp, "/drivers/me/checkin", methods=("POST",), auth=("driver",), responses={200: CheckinOut})
def check_in(principal):
    """Marks the driver active today; returns the streak and this month's active days."""
    reply, events = activity.check_in(get_store(), principal.id)
    committed(events)
    return reply, 200


@bp.after_app_request
def _mark_driver_active(response):
    """Any request made with a driver token marks that driver active today (once a day per process)."""
    principal = g.get("principal")
    if principal is not None and principal.kind == "driver" and response.status_code < 500:
        try:
            committed(activity.touch(get_store(), principal.id))
        except Exception:  # never fail the request the driver made for this bookkeeping
            log.exception("could not mark driver %s active", principal.id)
    return response
