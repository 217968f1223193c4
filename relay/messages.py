"""Outbox kind -> the routing key of API.md, and the JSON body of each message.

One outbox row is one message (``message_id`` = the row id): a cart split over
several stations is one ``order.placed`` whose ``data.orders`` lists them, as
the outbox holds it. Kinds mapped to ``None`` are internal (the live map's
positions, driver activity) and are marked published without a message.
``docs/events/`` has the JSON Schema of each message type.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

import orjson

# kind -> (routing key, where the event's own time is in the payload)
ROUTES: dict[str, tuple[str | None, Callable[[dict], str | None]]] = {
    "purchase": ("purchase.recorded", lambda p: p["occurred_at"]),
    "replenishment": ("order.placed", lambda p: p["orders"][0]["created_at"]),
    "replenishment_picked_up": ("order.picked_up", lambda p: p["picked_up_at"]),
    "replenishment_cancelled": ("order.cancelled", lambda p: p.get("cancelled_at")),
    "ad_plays": ("ad_play.recorded", lambda p: min(play["played_at"] for play in p["plays"])),
    "device_online": ("device.online", lambda p: p["last_seen_at"]),
    "device_offline": ("device.offline", lambda p: None),
    "alert_opened": ("alert.opened", lambda p: p["opened_at"]),
    "alert_resolved": ("alert.resolved", lambda p: p["resolved_at"]),
    "alert_acknowledged": (None, lambda p: None),  # for the screens' strip and badge; API.md has no such key
    "purchase_refunded": ("purchase.refunded", lambda p: None),  # when recorded; the purchase's time is in data
    "payment_paid": ("payment.paid", lambda p: p["paid_at"]),
    "payment_closed": ("payment.closed", lambda p: None),
    "payment_mismatch": (None, lambda p: None),  # for operators: the payment_mismatch alert
    "driver_active": (None, lambda p: None),
    "driver_location": (None, lambda p: None),
    "station_indexed": (None, lambda p: None),  # the map's and the search's own (analytics.catalogue)
    "product_indexed": (None, lambda p: None),
}
ROUTING_KEYS = sorted({key for key, _ in ROUTES.values() if key})


class UnknownKind(Exception):
    """An outbox kind with no entry in ROUTES: a new event someone forgot to map."""


def message(event_id: int, kind: str, payload: dict, recorded_at: datetime, tz) -> tuple[str, bytes] | None:
    """(routing key, body) of one outbox row, or None for an internal kind."""
    if kind not in ROUTES:
        raise UnknownKind(kind)
    key, when = ROUTES[kind]
    if key is None:
        return None
    recorded = recorded_at.astimezone(tz).isoformat()
    body = {"id": event_id, "type": key, "occurred_at": when(payload) or recorded, "recorded_at": recorded,
            "data": payload}
    return key, orjson.dumps(body)
