"""Which screens one applied event changes: the scopes (``platform``, ``station:<id>``) and the
parts of each (``figures``, ``sale``, ``drivers``, ``alert``).

The messages are those ``analytics.plan`` publishes with each applied event (and the
scheduler's ``devices`` count); docs/internals.md "Live stream" lists them. A driver's new
position changes every map that shows the driver: ``moved`` names the driver, and the hub
knows which maps those are.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PLATFORM = "platform"
FIGURES, SALE, DRIVERS, ALERT = "figures", "sale", "drivers", "alert"
ALERT_KINDS = ("alert", "alert_opened", "alert_resolved", "alert.opened", "alert.resolved")


def station(station_id) -> str:
    return f"station:{int(station_id)}"


@dataclass
class Change:
    parts: dict[str, set[str]] = field(default_factory=dict)  # scope -> parts
    moved: int | None = None  # a driver whose position changed

    def add(self, scope: str, *parts: str) -> None:
        self.parts.setdefault(scope, set()).update(parts)


def change_of(message: dict) -> Change:
    """What ``message`` changes; an unknown kind changes nothing (newer publishers, older hub)."""
    kind, change = message.get("kind"), Change()
    if kind == "purchase":
        # The platform ticker lists retail sales; the fleet counter may move (a sale is a sign of life).
        change.add(PLATFORM, SALE, FIGURES)
        change.moved = message.get("driver_id")
    elif kind == "replenishment":
        change.add(PLATFORM, SALE, FIGURES, DRIVERS)
        for station_id in message.get("station_ids") or ():
            change.add(station(station_id), SALE, FIGURES, DRIVERS)
    elif kind in ("replenishment_cancelled", "replenishment_picked_up"):  # the order leaves the queue
        change.add(PLATFORM, FIGURES, DRIVERS)
        if message.get("station_id"):
            change.add(station(message["station_id"]), FIGURES, DRIVERS)
    elif kind in ("ad_plays", "driver_active", "devices"):
        change.add(PLATFORM, FIGURES)
    elif kind == "driver_location":
        change.moved = message.get("driver_id")
    elif kind in ALERT_KINDS:
        change.add(PLATFORM, ALERT)
        station_id = message.get("station_id") or (message.get("alert") or {}).get("station_id")
        if station_id:
            change.add(station(station_id), ALERT)
    return change
