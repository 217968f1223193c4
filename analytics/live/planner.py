"""Planning: the events' figures summed per scope and business day, then spread over the periods.

``Planner`` collects the writes of one or many events (one ``Write`` per
scope); the handlers in ``analytics.live.plan`` call it once per figure an
event moves. Sales are summed per day first and spread over the five
periods by ``finish``: a group of a day's events costs one set of
increments, not one per event.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import orjson

from analytics import keys, periods
from analytics.live.write import RECENT, Write


class Planner:
    """Collects the writes of events, one ``Write`` per scope; ``finish`` hands them out."""

    def __init__(self, tz):
        self.tz = tz
        self.writes: dict[str, Write] = {}
        self.event_id = 0  # the event being planned
        # (scope, kind, day, products) -> [amount, units, orders, {product id: [amount, quantity]}]
        self._sales: dict[tuple, list] = {}
        self._ranks: dict[tuple, list] = {}  # (rank key, figures key, day, member) -> [amount, units, orders]
        self._times: dict[str, tuple] = {}  # an event's time -> (business day, unix time): asked 5 times a purchase

    def _time(self, when: str) -> tuple:
        found = self._times.get(when)
        if found is None:
            moment = datetime.fromisoformat(when)
            found = self._times[when] = (periods.business_date(moment, self.tz), int(moment.timestamp()))
        return found

    def day(self, when: str):
        return self._time(when)[0]

    def w(self, scope: str) -> Write:
        write = self.writes.get(scope)
        if write is None:
            write = self.writes[scope] = Write(scope)
        if not write.events or write.events[-1] != self.event_id:
            write.events.append(self.event_id)
        return write

    def sale(self, scope: str, kind: str, when: str, sign: int, amount: int, units: int, lines,
             products: bool, orders: int = 1) -> None:
        """Totals (and, when ``products``, product rankings) of one sale, or its reversal
        (``sign`` -1), in all five periods; a refund reverses amounts alone (``orders`` 0, no
        units). Summed per day here and spread over the periods by ``finish``: a group of a
        day's events costs one set of increments, not one per event."""
        self.w(scope)
        day = self.day(when)
        sums = self._sales.get((scope, kind, day, products))
        if sums is None:
            sums = self._sales[(scope, kind, day, products)] = [0, 0, 0, {}]
        sums[0] += sign * amount
        sums[1] += sign * units
        sums[2] += sign * orders
        if products:
            for line in lines:
                product = sums[3].setdefault(line["product_id"], [0, 0])
                product[0] += sign * line["amount_cents"]
                product[1] += sign * line.get("quantity", 0)

    def ranked(self, rank_key, figures_key, member: int, when: str, sign: int, amount: int, units: int,
               orders: int = 1) -> None:
        """A station's or driver's place in the platform rankings (amount; units and orders beside)."""
        self.w(keys.PLATFORM)
        at = (rank_key, figures_key, self.day(when), member)
        sums = self._ranks.setdefault(at, [0, 0, 0])
        sums[0] += sign * amount
        sums[1] += sign * units
        sums[2] += sign * orders

    def finish(self) -> list[Write]:
        """The writes, with the day sums of ``sale`` and ``ranked`` spread over their five periods."""
        tz = self.tz
        for (scope, kind, day, products), (amount, units, orders, lines) in self._sales.items():
            w = self.writes[scope]
            for b, totals, by_amount, by_units in _sale_keys(scope, kind, day, products):
                t = w.key(totals, b, tz, counted=True)
                w.hincr(t, "amount", amount)
                w.hincr(t, "units", units)
                w.hincr(t, "orders", orders)
                # a key is named only when something changes it (a refund leaves units as they are)
                for product_id, (product_amount, quantity) in lines.items():
                    if product_amount:
                        w.zincr(w.key(by_amount, b, tz, counted=True), product_id, product_amount)
                    if quantity:
                        w.zincr(w.key(by_units, b, tz, counted=True), product_id, quantity)
        w = self.writes.get(keys.PLATFORM)
        for (rank_key, figures_key, day, member), (amount, units, orders) in self._ranks.items():
            for b, rank, figures in _ranked_keys(rank_key, figures_key, day):
                w.zincr(w.key(rank, b, tz, counted=True), member, amount)
                if units or orders:
                    f = w.key(figures, b, tz, counted=True)
                    w.hincr(f, f"{member}:u", units)
                    w.hincr(f, f"{member}:o", orders)
        self._sales.clear()
        self._ranks.clear()
        return list(self.writes.values())

    def recent(self, scope: str, item: dict) -> None:
        w = self.w(scope)
        w.add(["l", w.key(keys.recent_sales(scope)), _dumps(item), str(RECENT)])

    def position(self, driver_id: int, lat, lng, when: str) -> None:
        if lat is None or lng is None or abs(lat) > keys.GEO_MAX_LAT:
            return  # Redis GEO cannot hold polar points; the point stays in Postgres
        w = self.w(keys.PLATFORM)
        ts = self._time(when)[1]
        w.add(["g", w.key(keys.drivers_geo()), str(driver_id), repr(float(lng)), repr(float(lat)),
               w.key(keys.drivers_seen()), str(ts), w.key(keys.drivers_positions())])

    def message(self, body: dict) -> None:
        self.w(keys.PLATFORM).messages.append(_dumps(body))


# The key names of a day's five buckets are the same for every event of that day and scope.
@lru_cache(maxsize=8192)
def _sale_keys(scope: str, kind: str, day, products: bool) -> tuple:
    return tuple((b, keys.totals(scope, kind, b), keys.product_rank(scope, kind, "amount", b) if products else None,
                  keys.product_rank(scope, kind, "units", b) if products else None)
                 for _, b in periods.buckets(day))


@lru_cache(maxsize=1024)
def _ranked_keys(rank_key, figures_key, day) -> tuple:
    return tuple((b, rank_key(b), figures_key(b)) for _, b in periods.buckets(day))


def _dumps(value) -> str:
    return orjson.dumps(value).decode()
