"""Sales at chosen times for the scheduler's tests, and the SQL truth to hold the figures against.

Sales go through the ingest use cases the API calls, with the clock set to
the sale's time (so a test can sell on 31 December), then through the same
Redis apply as an HTTP request — or not, to play an apply that was lost.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text

import analytics
from analytics import keys, periods
from analytics.live import marks
from ingest.purchases import PurchaseRequest, PurchaseSettlement
from ingest.replenishments import Actor, ReplenishmentRequest, ReplenishmentSettlement, cancel_order
from ingest.settlement import settle_one

_keys = itertools.count(1)


@dataclass
class Shop:
    store: object
    stations: list
    products: list
    drivers: list
    devices: list  # devices[i] belongs to drivers[i]

    def buy(self, device: int, items: list[tuple[str, int]], at: datetime, *, apply: bool | None = True):
        driver = self.drivers[self.devices.index(device)]
        strategy = PurchaseSettlement(self.store, device, driver, now=at)
        request = PurchaseRequest(f"buy-{next(_keys)}", at, tuple(items), "cash")
        outcome, events = settle_one(self.store, strategy, f"device:{device}", request)
        self._after(events, apply)
        return outcome

    def order(self, driver: int, items: list[tuple[int, str, int]], at: datetime, *,
              apply: bool | None = True) -> list:
        strategy = ReplenishmentSettlement(self.store, driver, now=at)
        request = ReplenishmentRequest(f"ord-{next(_keys)}", tuple(items), "wechat")
        outcome, events = settle_one(self.store, strategy, f"driver:{driver}", request)
        self._after(events, apply)
        return [e.payload["orders"] for e in events][0]

    def cancel(self, order_id: str, *, apply: bool | None = True) -> None:
        _, events = cancel_order(self.store, order_id, Actor("admin"))
        self._after(events, apply)

    def _after(self, events, apply: bool | None) -> None:
        """``apply`` True: as the API does; None: left pending (Redis was down); False: lost."""
        if apply:
            analytics.apply_committed(self.store, events)
        elif apply is False:  # the apply was lost and the row marked anyway: only a reconcile can find it
            with self.store.transaction() as session:
                session.execute(text("UPDATE outbox SET applied_at = now() WHERE id = ANY(:ids)"),
                                {"ids": [e.id for e in events]})


def open_shop(api, store, stations: int = 2, drivers: int = 2) -> Shop:
    station_rows = [api.station() for _ in range(stations)]
    products = [api.product(sku=sku, retail_price_cents=retail, supply_price_cents=supply)
                for sku, retail, supply in (("COLA", 350, 210), ("CHIPS", 800, 500), ("WATER", 200, 90))]
    for station in station_rows:
        api.stock(station["id"], [{"sku": p["sku"], "quantity": 100000, "on_shelf": True} for p in products])
    driver_rows = [api.driver() for _ in range(drivers)]
    devices = [api.device(d["id"])["id"] for d in driver_rows]
    marks.flush(store)  # the catalogue's events (applied by its requests) marked: the tests count their own
    return Shop(store, [s["id"] for s in station_rows], [p["sku"] for p in products],
                [d["id"] for d in driver_rows], devices)


def at(tz, text_: str) -> datetime:
    """``at(tz, "2026-12-31 23:59:50")``: a local time in the business zone."""
    return datetime.fromisoformat(text_).replace(tzinfo=tz)


# The truth by plain SQL, period by period — written apart from the reconcile's own on purpose.
_RETAIL = """SELECT {group} AS id, count(DISTINCT p.id) AS orders, sum(l.amount_cents) AS amount, sum(l.quantity) AS units
FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id AND l.occurred_at = p.occurred_at
WHERE p.occurred_at >= :start AND p.occurred_at < :end GROUP BY 1"""
_WHOLESALE = """SELECT {group} AS id, count(DISTINCT o.id) AS orders, sum(l.amount_cents) AS amount, sum(l.quantity) AS units
FROM orders o JOIN order_lines l ON l.order_id = o.id AND l.created_at = o.created_at
WHERE o.created_at >= :start AND o.created_at < :end AND o.status <> 'cancelled' GROUP BY 1"""
SCOPES = {"retail": (("'p'", None, None), ("p.driver_id", keys.driver, "drivers"),
                     ("p.device_id", keys.device, "devices")),
          "wholesale": (("'p'", None, None), ("o.station_id", keys.station, "stations"),
                        ("o.driver_id", keys.driver, "drivers"))}


def _range(store, period: str, day: date) -> dict:
    tz = store.settings.tz
    if period == "total":
        return {"start": datetime(2000, 1, 1, tzinfo=tz), "end": datetime(2100, 1, 1, tzinfo=tz)}
    return {"start": periods.local_midnight(periods.period_start(period, day), tz),
            "end": periods.local_midnight(periods.period_end(period, day), tz)}


def wrong_figures(store, days: list[date]) -> list[str]:
    """Every Redis figure of the periods containing ``days`` that differs from SQL (empty: all true)."""
    wrong = []
    buckets = {(period, b): day for day in days for period, b in periods.buckets(day)}
    with store.engine.connect() as conn:
        for (period, b), day in sorted(buckets.items()):
            bounds = _range(store, period, day)
            for kind, sql in (("retail", _RETAIL), ("wholesale", _WHOLESALE)):
                for group, scope_of, table in SCOPES[kind]:
                    truth = {r.id: (r.amount, r.units, r.orders)
                             for r in conn.execute(text(sql.format(group=group)), bounds)}
                    owners = ["p"] if table is None else conn.execute(text(f"SELECT id FROM {table}")).scalars()
                    for owner in owners:
                        figures = truth.get(owner, (0, 0, 0))
                        scope = keys.PLATFORM if scope_of is None else scope_of(owner)
                        seen = tuple(int(v or 0) for v in store.redis.hmget(keys.totals(scope, kind, b),
                                                                             "amount", "units", "orders"))
                        if seen != figures:
                            wrong.append(f"{scope} {kind} {b}: redis {seen} sql {figures}")
                products = {r.id: (r.amount, r.units)
                            for r in conn.execute(text(sql.format(group="l.product_id")), bounds)}
                ranked = {int(m): int(s) for m, s in store.redis.zrange(
                    keys.product_rank(keys.PLATFORM, kind, "amount", b), 0, -1, withscores=True)}
                if ranked != {pid: amount for pid, (amount, _) in products.items()}:
                    wrong.append(f"products {kind} {b}: redis {ranked} sql {products}")
            stations = {r.id: r.amount for r in conn.execute(text(_WHOLESALE.format(group="o.station_id")), bounds)}
            ranked = {int(m): int(s) for m, s in store.redis.zrange(keys.station_rank(b), 0, -1, withscores=True)}
            if ranked != stations:
                wrong.append(f"station ranking {b}: redis {ranked} sql {stations}")
    return wrong


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
