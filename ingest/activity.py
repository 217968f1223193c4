"""Driver activity days (the truth behind the active-driver and check-in bitmaps).

Any driver request marks the driver active for the business day: one row
per driver per day, inserted ``ON CONFLICT DO NOTHING``; only a new row
writes a ``driver_active`` outbox event, so there is at most one per day.
A purchase on the driver's device does not count: the driver did not act.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from store import outbox
from store.outbox import Event
from ingest.timing import utcnow

_MARK = text("INSERT INTO driver_activity (driver_id, day, checked_in) VALUES (:driver, :day, :checked_in) "
             "ON CONFLICT (driver_id, day) DO NOTHING RETURNING driver_id")
_CHECK_IN = text(
    "INSERT INTO driver_activity (driver_id, day, checked_in) VALUES (:driver, :day, true) "
    "ON CONFLICT (driver_id, day) DO UPDATE SET checked_in = true RETURNING (xmax = 0) AS inserted")
# Consecutive days ending today: for day d_k at rank k (newest first), d_k + k is constant on the streak.
_STATS = text("""
SELECT
  (SELECT count(*) FROM (
     SELECT day + CAST(row_number() OVER (ORDER BY day DESC) AS int) AS anchor
     FROM driver_activity WHERE driver_id = :driver AND day <= :day) AS t
   WHERE anchor = CAST(:day AS date) + 1) AS streak,
  (SELECT count(*) FROM driver_activity
   WHERE driver_id = :driver AND day >= :month_start AND day <= :day) AS this_month
""")

_known: set[tuple[int, date]] = set()  # (driver, day) already marked: keeps repeat requests off the database


def business_day(settings, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(settings.tz).date()


def already_marked(driver_id: int, day: date) -> bool:
    return (driver_id, day) in _known


def mark_active(session: Session, driver_id: int, day: date) -> list[Event]:
    """Record the driver as active on ``day``; the ``driver_active`` event only for a new day."""
    inserted = session.execute(_MARK, {"driver": driver_id, "day": day, "checked_in": False}).first()
    return _event(session, driver_id, day) if inserted else []


def check_in(store, driver_id: int) -> tuple[dict, list[Event]]:
    """``POST /drivers/me/checkin``: active today; the streak and this month's count."""
    day = business_day(store.settings)
    with store.transaction() as session:
        inserted = session.execute(_CHECK_IN, {"driver": driver_id, "day": day}).scalar()
        events = _event(session, driver_id, day) if inserted else []
        stats = session.execute(_STATS, {"driver": driver_id, "day": day, "month_start": day.replace(day=1)}).one()
    _known.add((driver_id, day))
    return {"date": day.isoformat(), "streak_days": stats.streak, "active_days_this_month": stats.this_month}, events


def touch(store, driver_id: int) -> list[Event]:
    """Mark the driver active today in a transaction of its own (any driver request)."""
    day = business_day(store.settings)
    if already_marked(driver_id, day):
        return []
    with store.transaction() as session:
        events = mark_active(session, driver_id, day)
    _known.add((driver_id, day))  # only once committed: a rolled-back mark is tried again
    return events


def _event(session: Session, driver_id: int, day: date) -> list[Event]:
    return outbox.write(session, "driver_active", [{"driver_id": driver_id, "date": day.isoformat()}])


def reset() -> None:
    _known.clear()
