"""The figures of one business day as Postgres says they are (what the live apply should have made).

``day_truth`` returns, per scope hash tag, ``{(type, key, field): value}``
with ``type`` ``h`` (a hash field) or ``z`` (a sorted-set member), keyed by
the same ``analytics.keys`` builders the apply writes, so that the
reconcile can compare the two field by field. Only day keys: the week,
month, year and total keys move by the same deltas (see ``reconcile``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from analytics import keys, periods
from store.models import Device, Driver, Station

Figure = tuple[str, str, str]  # (type, key, field or member)

_RETAIL = text("""
SELECT p.driver_id, p.device_id, count(*) AS orders, sum(p.total_cents) AS amount
FROM purchases p WHERE p.occurred_at >= :start AND p.occurred_at < :end GROUP BY 1, 2""")
_RETAIL_LINES = text("""
SELECT driver_id, device_id, product_id, sum(quantity) AS units, sum(amount_cents) AS amount
FROM purchase_lines WHERE occurred_at >= :start AND occurred_at < :end GROUP BY 1, 2, 3""")
# Cancelled orders count nowhere (API.md); a cancel's event took them out of the figures.
_WHOLESALE = text("""
SELECT station_id, driver_id, count(*) AS orders, sum(total_cents) AS amount
FROM orders WHERE created_at >= :start AND created_at < :end AND status <> 'cancelled' GROUP BY 1, 2""")
_WHOLESALE_LINES = text("""
SELECT l.station_id, l.driver_id, l.product_id, sum(l.quantity) AS units, sum(l.amount_cents) AS amount
FROM order_lines l JOIN orders o ON o.id = l.order_id AND o.created_at = l.created_at
WHERE l.created_at >= :start AND l.created_at < :end AND o.created_at >= :start AND o.created_at < :end
  AND o.status <> 'cancelled'
GROUP BY 1, 2, 3""")
# Refunds: amounts down in the periods of their purchases (API.md), by product from their lines.
_REFUNDS = text("""
SELECT driver_id, device_id, product_id, sum(amount_cents) AS amount
FROM refund_lines WHERE occurred_at >= :start AND occurred_at < :end GROUP BY 1, 2, 3""")
_ADS = text("SELECT ad_id, count(*) AS plays FROM ad_plays WHERE played_at >= :start AND played_at < :end GROUP BY 1")
_ACTIVE = text("SELECT driver_id FROM driver_activity WHERE day = :day")


@dataclass
class DayFigures:
    day: date
    figures: dict[str, dict[Figure, int]] = field(default_factory=lambda: defaultdict(dict))
    active_drivers: set[int] = field(default_factory=set)

    def add(self, scope: str, kind: str, key: str, name, value: int) -> None:
        if value:
            slot = self.figures[scope]
            figure = (kind, key, str(name))
            slot[figure] = slot.get(figure, 0) + int(value)


def day_bounds(day: date, tz) -> dict:
    return {"start": periods.local_midnight(day, tz),
            "end": periods.local_midnight(periods.period_end("day", day), tz), "day": day}


def day_truth(session: Session, day: date, tz) -> DayFigures:
    """Every counted figure of ``day`` from Postgres (run it in the snapshot the caller compares with)."""
    bounds = day_bounds(day, tz)
    b = periods.bucket("day", day)
    out = DayFigures(day)
    p = keys.PLATFORM

    def totals(scope, kind, amount=0, units=0, orders=0):
        key = keys.totals(scope, kind, b)
        out.add(scope, "h", key, "amount", amount)
        out.add(scope, "h", key, "units", units)
        out.add(scope, "h", key, "orders", orders)

    def products(scope, kind, product_id, amount, units):
        out.add(scope, "z", keys.product_rank(scope, kind, "amount", b), product_id, amount)
        out.add(scope, "z", keys.product_rank(scope, kind, "units", b), product_id, units)

    def sales(kind, header, lines, scopes_of, member_of, rank_key, figures_key, ranked_in):
        # the header rows carry amount and orders, the lines units and the products (as the events do)
        for r in session.execute(header, bounds):
            for scope in scopes_of(r):
                totals(scope, kind, amount=r.amount, orders=r.orders)
            out.add(p, "z", rank_key(b), member_of(r), r.amount)
            out.add(p, "h", figures_key(b), f"{member_of(r)}:o", r.orders)
        for r in session.execute(lines, bounds):
            for scope in scopes_of(r):
                totals(scope, kind, units=r.units)
            for scope in ranked_in(r):
                products(scope, kind, r.product_id, r.amount, r.units)
            out.add(p, "h", figures_key(b), f"{member_of(r)}:u", r.units)

    sales("retail", _RETAIL, _RETAIL_LINES, lambda r: (p, keys.driver(r.driver_id), keys.device(r.device_id)),
          lambda r: r.driver_id, keys.driver_rank, keys.driver_figures, lambda r: (p,))
    sales("wholesale", _WHOLESALE, _WHOLESALE_LINES,
          lambda r: (p, keys.station(r.station_id), keys.driver(r.driver_id)),
          lambda r: r.station_id, keys.station_rank, keys.station_figures, lambda r: (p, keys.station(r.station_id)))
    for r in session.execute(_REFUNDS, bounds):
        for scope in (p, keys.driver(r.driver_id), keys.device(r.device_id)):
            totals(scope, "retail", amount=-r.amount)
        out.add(p, "z", keys.product_rank(p, "retail", "amount", b), r.product_id, -r.amount)
        out.add(p, "z", keys.driver_rank(b), r.driver_id, -r.amount)
    for r in session.execute(_ADS, bounds):
        out.add(p, "z", keys.ad_plays(b), r.ad_id, r.plays)
    out.active_drivers = set(session.execute(_ACTIVE, bounds).scalars())
    return out


def day_keys(scope: str, day: date) -> list[tuple[str, str]]:
    """``[(type, key)]``: every counted day key a scope can have (what the reconcile reads)."""
    b = periods.bucket("day", day)
    code = scope.split(":", 1)[0]
    if code == keys.PLATFORM:
        out = [("h", keys.totals(scope, kind, b)) for kind in keys.KINDS]
        out += [("z", keys.product_rank(scope, kind, by, b)) for kind in keys.KINDS for by in ("amount", "units")]
        return out + [("z", keys.station_rank(b)), ("h", keys.station_figures(b)), ("z", keys.driver_rank(b)),
                      ("h", keys.driver_figures(b)), ("z", keys.ad_plays(b))]
    if code == "s":
        return [("h", keys.totals(scope, "wholesale", b))] + [
            ("z", keys.product_rank(scope, "wholesale", by, b)) for by in ("amount", "units")]
    if code == "d":
        return [("h", keys.totals(scope, kind, b)) for kind in keys.KINDS]
    return [("h", keys.totals(scope, "retail", b))]


def all_scopes(store) -> list[str]:
    """The hash tags of every scope that can have figures: platform, stations, drivers, devices."""
    with store.sessions() as session:
        stations = session.scalars(select(Station.id).order_by(Station.id)).all()
        drivers = session.scalars(select(Driver.id).order_by(Driver.id)).all()
        devices = session.scalars(select(Device.id).order_by(Device.id)).all()
    return [keys.PLATFORM, *map(keys.station, stations), *map(keys.driver, drivers), *map(keys.device, devices)]
