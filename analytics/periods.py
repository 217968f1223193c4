"""The business calendar in one place: days, ISO weeks, months and years in ``settings.tz``.

A *bucket* names one period: ``day:2026-11-28``, ``week:2026-W48``,
``month:2026-11``, ``year:2026`` or ``total``; its *period key* is the part
after the colon (API.md: ``2026-11-28``, ``2026-W48``, ``2026-11``, ``2026``,
``total``). Every key format has a SQL twin (``sql_key``) so that the rebuild
groups rows exactly as the live apply buckets events.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

PERIODS = ("day", "week", "month", "year", "total")
DATED = PERIODS[:4]

# The days the calendar works with: a year's margin inside datetime's years 1..9999, so that every
# period containing one of them, a 366-day window ending on it and its midnight in any time zone
# stay representable. The API refuses dates and times outside with a 422 (api.schemas.common).
FIRST_DAY = date(2, 1, 1)
LAST_DAY = date(9998, 12, 31)

# How long a bucket's keys live after the period ends (the notes' garbage collection).
RETENTION_DAYS = {"day": 400, "week": 800, "month": 1100, "year": 1830}


def business_date(moment: datetime | str, tz) -> date:
    """The calendar day in the business time zone of an aware time (or an RFC 3339 string)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("an aware time is needed")
    return moment.astimezone(tz).date()


def today(tz, now: datetime | None = None) -> date:
    return (now or datetime.now(tz)).astimezone(tz).date()


def period_key(period: str, day: date) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "year":
        return str(day.year)
    if period == "total":
        return "total"
    raise ValueError(f"unknown period {period!r}")


def bucket(period: str, day: date) -> str:
    return "total" if period == "total" else f"{period}:{period_key(period, day)}"


def buckets(day: date) -> list[tuple[str, str]]:
    """``[(period, bucket), ...]`` for the five periods containing ``day``."""
    return [(p, bucket(p, day)) for p in PERIODS]


def period_start(period: str, day: date) -> date:
    """First day of the period containing ``day`` (ISO weeks start on Monday)."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"no start for period {period!r}")


def period_end(period: str, day: date) -> date:
    """First day after the period containing ``day``."""
    start = period_start(period, day)
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start + timedelta(days=32)).replace(day=1)
    return start.replace(year=start.year + 1)


def days_of(period: str, day: date) -> list[date]:
    """Every day of the period containing ``day``."""
    start, end = period_start(period, day), period_end(period, day)
    return [start + timedelta(days=i) for i in range((end - start).days)]


def local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def start_of(period: str, moment: datetime, tz) -> datetime:
    """Start of the day / ISO week / month / year containing an aware time, in ``tz``."""
    return local_midnight(period_start(period, business_date(moment, tz)), tz)


def key_start(period: str, key: str) -> date:
    """The first day of a period from its key (``2026-W53`` → 2026-12-28)."""
    if period == "day":
        return date.fromisoformat(key)
    if period == "week":
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    if period == "month":
        year, month = key.split("-")
        return date(int(year), int(month), 1)
    if period == "year":
        return date(int(key), 1, 1)
    raise ValueError(f"no start for period {period!r}")


def expire_at(period: str, key: str, tz) -> int | None:
    """Unix time at which a bucket's keys expire; None for ``total`` (kept for ever)."""
    if period == "total":
        return None
    end = period_end(period, key_start(period, key)) + timedelta(days=RETENTION_DAYS[period])
    return int(local_midnight(end, tz).timestamp())


def since_keys(since: date | None) -> dict[str, str] | None:
    """Period keys of the periods containing ``since``: a partial rebuild redoes those and later ones."""
    if since is None:
        return None
    return {p: period_key(p, since) for p in DATED}


# SQL twins of ``period_key`` for a ``date`` column: the rebuild's GROUP BY keys.
_SQL = {
    "day": "to_char({c}, 'YYYY-MM-DD')",
    "week": "to_char({c}, 'IYYY-\"W\"IW')",
    "month": "to_char({c}, 'YYYY-MM')",
    "year": "to_char({c}, 'YYYY')",
    "total": "'total'",
}


def sql_key(period: str, column: str) -> str:
    return _SQL[period].format(c=column)


def sql_day(column: str, tz_param: str | None = ":tz") -> str:
    """The business day of a ``timestamptz`` column: in the zone that ``tz_param`` binds, or
    with ``tz_param=None`` in the session's ``TimeZone``, which the caller sets to the
    business zone (``SESSION_ZONE``): a third of the cost per row of AT TIME ZONE with a zone
    name, which Postgres looks up for every row (bench/queries.py's rebuild reads 10M rows)."""
    if tz_param is None:
        return f"CAST({column} AS date)"
    return f"CAST(({column} AT TIME ZONE {tz_param}) AS date)"


SESSION_ZONE = "SELECT set_config('TimeZone', :tz, true)"  # for this transaction
