"""The fleet: active drivers (bitmaps), check-in streaks, devices and their state."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import text

from analytics import keys, periods
from analytics.queries.common import day_or_today, number, period_of
from analytics.queries.scopes import check_range

ACTIVE_PERIODS = ("day", "week", "month")
UNION_SECONDS = 60  # a week's or month's BITOP OR result is kept this long

_DEVICES = text("""
SELECT v.id, v.serial, v.driver_id, d.name AS driver_name, d.car_plate, v.activated_at, v.last_seen_at
FROM devices v JOIN drivers d ON d.id = v.driver_id ORDER BY v.id LIMIT :limit OFFSET :offset
""")
_ALERTS = text("""
SELECT s.device_id, p.sku, s.quantity FROM device_stock s JOIN products p ON p.id = s.product_id
WHERE s.device_id = ANY(:ids) AND s.quantity <= :threshold ORDER BY s.device_id, p.sku
""")
_COUNTS = text("SELECT count(*) AS total, count(*) FILTER (WHERE last_seen_at >= :since) AS online FROM devices")


def active_drivers(store, period: str, day: date | None = None) -> dict:
    """``GET /drivers/active``: drivers active in the day, ISO week or month (BITCOUNT / BITOP OR)."""
    period, pkey, bucket = period_of(store, period, day, ACTIVE_PERIODS)
    day = day_or_today(store, day)
    if period == "day":
        count = store.redis.bitcount(keys.active_drivers(pkey))
    else:
        union = keys.active_union(bucket)
        pipe = store.redis.pipeline(transaction=False)
        pipe.bitop("OR", union, *(keys.active_drivers(d.isoformat()) for d in periods.days_of(period, day)))
        pipe.expire(union, UNION_SECONDS)
        pipe.bitcount(union)
        count = pipe.execute()[-1]
    return {"period": period, "period_key": pkey, "active_drivers": count}


def driver_streak(store, driver_id: int, day: date | None = None, max_days: int = 366) -> dict:
    """Consecutive active days ending ``day`` and active days this month, from the check-in bitmaps."""
    day = day_or_today(store, day)
    back = [day - timedelta(days=i) for i in range(max_days)]
    pipe = store.redis.pipeline(transaction=False)
    for d in back:
        pipe.getbit(keys.checkins(driver_id, d.year), d.timetuple().tm_yday - 1)
    bits = pipe.execute()
    streak = next((i for i, bit in enumerate(bits) if not bit), len(bits))
    month = sum(bit for d, bit in zip(back, bits) if d.month == day.month and d.year == day.year)
    return {"date": day.isoformat(), "streak_days": streak, "active_days_this_month": month}


def device_counts(store) -> dict:
    since = datetime.now(store.settings.tz) - timedelta(seconds=store.settings.device_online_seconds)
    with store.engine.connect() as conn:
        row = conn.execute(_COUNTS, {"since": since}).one()
    return {"online": row.online, "total": row.total}


def devices_page(store, page: int = 1, per_page: int = 30) -> dict:
    """``GET /devices``: paged by id; online from the last heartbeat or purchase, today's sales
    from the device's day figures, stock alerts from its stock rows at or below the threshold."""
    check_range(page, 1, 1_000_000, "page")
    check_range(per_page, 1, 200, "per_page")
    settings, tz = store.settings, store.settings.tz
    now = datetime.now(tz)
    with store.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM devices")).scalar()
        rows = conn.execute(_DEVICES, {"limit": per_page, "offset": (page - 1) * per_page}).all()
        alerts: dict[int, list] = {}
        for a in conn.execute(_ALERTS, {"ids": [r.id for r in rows], "threshold": settings.stock_alert_threshold}):
            alerts.setdefault(a.device_id, []).append({"sku": a.sku, "quantity": a.quantity})
    day = periods.bucket("day", now.date())
    pipe = store.redis.pipeline(transaction=False)
    for r in rows:
        pipe.hget(keys.totals(keys.device(r.id), "retail", day), "amount")
    sales = pipe.execute() if rows else []
    online_after = now - timedelta(seconds=settings.device_online_seconds)
    items = [{"id": r.id, "serial": r.serial, "driver_id": r.driver_id, "driver_name": r.driver_name,
              "car_plate": r.car_plate, "activated": r.activated_at is not None,
              "online": r.last_seen_at is not None and r.last_seen_at >= online_after,
              "last_seen_at": r.last_seen_at.astimezone(tz).isoformat() if r.last_seen_at else None,
              "today_sales_cents": number(amount), "stock_alerts": alerts.get(r.id, [])}
             for r, amount in zip(rows, sales)]
    return {"page": page, "per_page": per_page, "total": total, "items": items}
