"""Event-time rules: aware times only, at most 5 minutes ahead, at most the late window back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ingest.errors import Invalid

MAX_AHEAD = timedelta(minutes=5)  # device clocks drift; more than this is a wrong clock, not a sale


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def check_event_time(value: datetime, field: str, settings, now: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("needs an explicit UTC offset (RFC 3339)", field=field)
    if value > now + MAX_AHEAD:
        raise Invalid("lies more than 5 minutes in the future", field=field)
    if value < now - timedelta(days=settings.late_window_days):
        raise Invalid(f"lies more than {settings.late_window_days} days in the past", field=field)


def iso(value: datetime | None, tz) -> str | None:
    """RFC 3339 in the business time zone's offset (API.md: responses use it)."""
    return value.astimezone(tz).isoformat() if value is not None else None
