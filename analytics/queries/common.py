"""What every query shares: the period asked for, a ranking's top with ties, money parsing."""
from __future__ import annotations

from datetime import date, datetime

from analytics import periods, scripts
from analytics.queries.scopes import check_choice, check_range

KINDS = ("wholesale", "retail")
MAX_LIMIT = 100


def day_or_today(store, day: date | None) -> date:
    return day if day is not None else periods.today(store.settings.tz)


def as_of(store) -> str:
    return datetime.now(store.settings.tz).isoformat(timespec="seconds")


def check_period(period: str, allowed=periods.PERIODS) -> str:
    return check_choice(period, allowed, "period")


def check_kind(kind: str) -> str:
    return check_choice(kind, KINDS, "kind")


def check_limit(limit: int, high: int = MAX_LIMIT) -> int:
    return check_range(limit, 1, high, "limit")


def period_of(store, period: str, day: date | None, allowed=periods.PERIODS) -> tuple[str, str, str]:
    """(period, period key, bucket) for the period containing ``day`` (default today)."""
    check_period(period, allowed)
    day = day_or_today(store, day)
    return period, periods.period_key(period, day), periods.bucket(period, day)


def number(value) -> int:
    """A Redis integer or score ("1234", "1.5e+3", None) as an int."""
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        return int(float(value))


def top(client, ranking_key: str, limit: int, extras: list[tuple[str, str]] = ()) -> list[tuple]:
    """The ``limit`` best members by score, ties by id ascending: ``[(id, score, *extras)]``.

    ``extras``: ``(key, "z")`` reads the member's score in another sorted set,
    ``(key, ":u")`` the hash field ``<member>:u``. One script, one round trip.
    """
    flat = scripts.call(client, "top", [ranking_key, *(k for k, _ in extras)],
                        [limit, *(spec for _, spec in extras)])
    width = 2 + len(extras)
    rows = [tuple(flat[i:i + width]) for i in range(0, len(flat), width)]
    rows = [(int(r[0]), *(number(v) for v in r[1:])) for r in rows]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[:limit]
