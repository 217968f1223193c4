"""Sales totals: the summary of every period, and the daily series."""
from __future__ import annotations

import json
from datetime import date, timedelta

from analytics import keys, periods
from analytics.queries.common import as_of, check_kind, day_or_today, number
from analytics.queries.scopes import check_range, parse

FIELDS = ("amount", "units", "orders")
SUMMARY = (("today", "day"), ("week", "week"), ("month", "month"), ("year", "year"), ("total", "total"))
MAX_DAYS = 366


def _figures(values) -> dict:
    amount, units, orders = (number(v) for v in values)
    return {"amount_cents": amount, "units": units, "orders": orders}


def summary(store, scope, kind: str) -> dict:
    """``GET /stats/summary``: today, this week, month, year and all time (cancelled orders count nowhere)."""
    scope, kind = parse(scope), check_kind(kind)
    today = periods.today(store.settings.tz)
    pipe = store.redis.pipeline(transaction=False)
    for _, period in SUMMARY:
        pipe.hmget(keys.totals(scope.tag, kind, periods.bucket(period, today)), FIELDS)
    values = pipe.execute()
    body = {"scope": scope.name, "kind": kind, "as_of": as_of(store)}
    body.update({name: _figures(v) for (name, _), v in zip(SUMMARY, values)})
    return body


def daily_series(store, scope, kind: str, days: int = 7, end: date | None = None) -> dict:
    """``GET /series/daily``: ``days`` points ending ``end`` (default today), oldest first, zero-filled.

    Each day is read from its day hash, which late events and cancels keep
    exact. The closed-days list (pushed by the day roll) fills a day whose hash
    is gone; before the day roll exists the day hashes alone are complete.
    """
    scope, kind = parse(scope), check_kind(kind)
    check_range(days, 1, MAX_DAYS, "days")
    end = day_or_today(store, end)
    dates = [end - timedelta(days=days - 1 - i) for i in range(days)]
    pipe = store.redis.pipeline(transaction=False)
    pipe.lrange(keys.closed_days(scope.tag, kind), 0, MAX_DAYS)
    for day in dates:
        pipe.hmget(keys.totals(scope.tag, kind, periods.bucket("day", day)), FIELDS)
    closed, *hashes = pipe.execute()
    listed = {}
    for raw in closed:
        entry = json.loads(raw)
        listed.setdefault(entry["date"], entry)
    points = []
    for day, values in zip(dates, hashes):
        if any(v is not None for v in values):
            figures = _figures(values)
        else:
            entry = listed.get(day.isoformat(), {})
            figures = {f: entry.get(f, 0) for f in ("amount_cents", "units", "orders")}
        points.append({"date": day.isoformat(), **figures})
    return {"scope": scope.name, "kind": kind, "points": points,
            "total_cents": sum(p["amount_cents"] for p in points)}
