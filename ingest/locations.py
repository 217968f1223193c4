"""Driver GPS points: stored (partitioned by month), the newest becomes the live position."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from store import outbox
from store.outbox import Event
from ingest.timing import check_event_time, iso, utcnow

# A point re-sent after a lost reply is the same (driver, time): kept once.
_INSERT = text(
    "INSERT INTO gps_points (driver_id, recorded_at, lat, lng) "
    "SELECT :driver, t, la, ln FROM unnest(CAST(:t AS timestamptz[]), CAST(:lat AS float8[]), "
    "CAST(:lng AS float8[])) AS u(t, la, ln) ON CONFLICT DO NOTHING")


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float
    recorded_at: datetime


def record_locations(store, driver_id: int, points: list[Point]) -> tuple[int, list[Event]]:
    """Keep the points; one ``driver_location`` event for the newest. Returns (accepted, events)."""
    now = utcnow()
    for index, point in enumerate(points):
        check_event_time(point.recorded_at, f"points[{index}].recorded_at", store.settings, now)
    # Duplicates within one upload would collide on the key: the last one sent wins.
    unique = {p.recorded_at: p for p in points}
    newest = max(points, key=lambda p: p.recorded_at)
    with store.transaction() as session:
        session.execute(_INSERT, {"driver": driver_id, "t": list(unique),
                                  "lat": [p.lat for p in unique.values()], "lng": [p.lng for p in unique.values()]})
        events = outbox.write(session, "driver_location", [{
            "driver_id": driver_id, "lat": newest.lat, "lng": newest.lng,
            "recorded_at": iso(newest.recorded_at, store.settings.tz)}])
    return len(points), events
