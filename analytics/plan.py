"""Outbox event → the writes of each scope it touches (pure: no Redis, no clock).

One ``Write`` becomes one run of ``lua/apply.lua``: the dedupe key of the
event in that scope, then the increments. Purchases count in the platform,
their driver and their device (retail); replenishment orders in the
platform, each station and the driver (wholesale); a cancel is the same
order with every figure negated, in the periods of its original
``created_at``. Late events simply land in the buckets of their own time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import orjson

from analytics import keys, periods

GEO_MAX_LAT = 85.05112878  # Redis GEO's (Web Mercator) limit
RECENT = 50  # ticker entries kept per scope


@dataclass
class Write:
    """The writes of one scope for one event, or for a group of events applied as one
    (``events``: their ids; increments of the same figure are summed)."""
    scope: str
    keys: list[str] = field(default_factory=list)
    meta: list[tuple[int, str | None, str | None]] = field(default_factory=list)  # (expire-at, period, pkey)
    counted: list[bool] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    _sums: dict[tuple, int] = field(default_factory=dict, repr=False)  # (op, key index, member) -> delta
    _other: list[list] = field(default_factory=list, repr=False)  # bits, positions, ticker entries
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def key(self, name: str, bucket: str | None = None, tz=None, counted: bool = False) -> int:
        """Index (in the script's KEYS) of ``name``; ``bucket`` gives its period and expiry."""
        index = self._index.get(name)
        if index is not None:
            return index
        self.keys.append(name)
        self.meta.append(_bucket_meta(bucket, tz) if bucket is not None else (0, None, None))
        self.counted.append(counted)
        self._index[name] = len(self.keys) + 3  # KEYS[1..3]: dedupe, generation, registry
        return self._index[name]

    def hincr(self, index: int, fld: str, delta: int) -> None:
        self._sums[("h", index, fld)] = self._sums.get(("h", index, fld), 0) + delta

    def zincr(self, index: int, member, delta: int) -> None:
        member = str(member)
        self._sums[("z", index, member)] = self._sums.get(("z", index, member), 0) + delta

    def add(self, op: list) -> None:
        self._other.append(op)

    @property
    def ops(self) -> list[list]:
        """``[op, key index, member, delta]`` increments (none that sum to zero), then the other ops;
        of a group's ticker entries only the last ``RECENT`` of each list (the rest would be trimmed),
        of its positions only each driver's newest."""
        out = [[c, index, member, str(delta)] for (c, index, member), delta in self._sums.items() if delta]
        pushes: dict[int, int] = {}
        newest: dict[tuple, int] = {}  # (geo key, member) -> position of the newest point
        for n, op in enumerate(self._other):
            if op[0] == "l":
                pushes[op[1]] = pushes.get(op[1], 0) + 1
            elif op[0] == "g":
                last = newest.get((op[1], op[2]))
                if last is None or int(self._other[last][6]) <= int(op[6]):
                    newest[(op[1], op[2])] = n
        kept: dict[int, int] = {}
        for n, op in enumerate(self._other):
            if op[0] == "l":
                kept[op[1]] = kept.get(op[1], 0) + 1
                if kept[op[1]] <= pushes[op[1]] - RECENT:
                    continue
            elif op[0] == "g" and newest[(op[1], op[2])] != n:
                continue
            out.append(op)
        return out

    def spec(self, replaced=None, dedupe: list[int] = ()) -> str:
        """The script's JSON; ``replaced(period, pkey)`` tells which counted keys a rebuild replaces;
        ``dedupe``: the KEYS indices of a group's further dedupe keys."""
        entries = []
        for i, ((at, period, pkey), counted) in enumerate(zip(self.meta, self.counted)):
            swapped = bool(counted and replaced is not None and replaced(period, pkey))
            if at or counted or swapped:
                entries.append([i + 4, at, int(counted), int(swapped)])
        return orjson.dumps({"ops": self.ops, "keys": entries, "d": list(dedupe)}).decode()


@lru_cache(maxsize=4096)
def _bucket_meta(bucket: str, tz) -> tuple[int, str, str | None]:
    """(expire-at, period, period key) of a bucket such as ``week:2026-W48``: the same for every event of the day."""
    period, _, pkey = bucket.partition(":")
    return periods.expire_at(period, pkey or "total", tz) or 0, period, pkey or None


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
             products: bool) -> None:
        """Totals (and, when ``products``, product rankings) of one sale, or its reversal
        (``sign`` -1), in all five periods. Summed per day here and spread over the periods by
        ``finish``: a group of a day's events costs one set of increments, not one per event."""
        self.w(scope)
        day = self.day(when)
        sums = self._sales.get((scope, kind, day, products))
        if sums is None:
            sums = self._sales[(scope, kind, day, products)] = [0, 0, 0, {}]
        sums[0] += sign * amount
        sums[1] += sign * units
        sums[2] += sign
        if products:
            for line in lines:
                product = sums[3].setdefault(line["product_id"], [0, 0])
                product[0] += sign * line["amount_cents"]
                product[1] += sign * line["quantity"]

    def ranked(self, rank_key, figures_key, member: int, when: str, sign: int, amount: int, units: int) -> None:
        """A station's or driver's place in the platform rankings (amount; units and orders beside)."""
        self.w(keys.PLATFORM)
        at = (rank_key, figures_key, self.day(when), member)
        sums = self._ranks.setdefault(at, [0, 0, 0])
        sums[0] += sign * amount
        sums[1] += sign * units
        sums[2] += sign

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
                if products:
                    a, u = w.key(by_amount, b, tz, counted=True), w.key(by_units, b, tz, counted=True)
                    for product_id, (product_amount, quantity) in lines.items():
                        w.zincr(a, product_id, product_amount)
                        w.zincr(u, product_id, quantity)
        w = self.writes.get(keys.PLATFORM)
        for (rank_key, figures_key, day, member), (amount, units, orders) in self._ranks.items():
            for b, rank, figures in _ranked_keys(rank_key, figures_key, day):
                w.zincr(w.key(rank, b, tz, counted=True), member, amount)
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
        if lat is None or lng is None or abs(lat) > GEO_MAX_LAT:
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


def _units(lines) -> int:
    return sum(line["quantity"] for line in lines)


def plan(event_id: int, kind: str, payload: dict, tz) -> list[Write]:
    """The writes of one outbox event (docs/internals.md lists the kinds and payloads)."""
    return plan_group([(event_id, kind, payload)], tz)


def plan_group(events, tz) -> list[Write]:
    """The writes of several events ``[(id, kind, payload), ...]`` summed into one ``Write`` per scope."""
    planner = Planner(tz)
    for event_id, kind, payload in events:
        handler = HANDLERS.get(kind)
        if handler is None:
            raise ValueError(f"unknown outbox event kind {kind!r}")
        planner.event_id = event_id
        handler(planner, event_id, payload)
    return planner.finish()


def _purchase(pl: Planner, event_id: int, p: dict) -> None:
    when, amount, units = p["occurred_at"], p["total_cents"], _units(p["lines"])
    pl.sale(keys.PLATFORM, "retail", when, 1, amount, units, p["lines"], products=True)
    pl.sale(keys.driver(p["driver_id"]), "retail", when, 1, amount, units, (), products=False)
    pl.sale(keys.device(p["device_id"]), "retail", when, 1, amount, units, (), products=False)
    pl.ranked(keys.driver_rank, keys.driver_figures, p["driver_id"], when, 1, amount, units)
    pl.recent(keys.PLATFORM, {"id": p["purchase_id"], "kind": "retail", "occurred_at": when,
                              "driver_id": p["driver_id"], "device_id": p["device_id"], "total_cents": amount})
    location = p.get("location") or {}
    pl.position(p["driver_id"], location.get("lat"), location.get("lng"), when)
    pl.message({"id": event_id, "kind": "purchase", "at": when, "driver_id": p["driver_id"],
                "device_id": p["device_id"], "total_cents": amount})


def _orders(pl: Planner, orders: list[dict], sign: int) -> None:
    for o in orders:
        when, amount, units = o["created_at"], o["total_cents"], _units(o["lines"])
        pl.sale(keys.PLATFORM, "wholesale", when, sign, amount, units, o["lines"], products=True)
        pl.sale(keys.station(o["station_id"]), "wholesale", when, sign, amount, units, o["lines"], products=True)
        pl.sale(keys.driver(o["driver_id"]), "wholesale", when, sign, amount, units, (), products=False)
        pl.ranked(keys.station_rank, keys.station_figures, o["station_id"], when, sign, amount, units)
        if sign > 0:
            item = {"id": o["order_id"], "kind": "wholesale", "created_at": when, "driver_id": o["driver_id"],
                    "station_id": o["station_id"], "total_cents": o["total_cents"]}
            pl.recent(keys.PLATFORM, item)
            pl.recent(keys.station(o["station_id"]), item)


def _replenishment(pl: Planner, event_id: int, p: dict) -> None:
    _orders(pl, p["orders"], 1)
    first = p["orders"][0]
    pl.message({"id": event_id, "kind": "replenishment", "at": first["created_at"], "driver_id": first["driver_id"],
                "station_ids": [o["station_id"] for o in p["orders"]],
                "total_cents": sum(o["total_cents"] for o in p["orders"])})


def _cancelled(pl: Planner, event_id: int, p: dict) -> None:
    _orders(pl, [p], -1)
    pl.message({"id": event_id, "kind": "replenishment_cancelled", "order_id": p["order_id"],
                "station_id": p["station_id"], "driver_id": p["driver_id"], "total_cents": p["total_cents"]})


def _ad_plays(pl: Planner, event_id: int, p: dict) -> None:
    counts: dict[tuple[str, int], int] = {}
    for play in p["plays"]:
        for _, b in periods.buckets(pl.day(play["played_at"])):
            counts[(b, play["ad_id"])] = counts.get((b, play["ad_id"]), 0) + 1
    w = pl.w(keys.PLATFORM)
    for (b, ad_id), n in counts.items():
        w.zincr(w.key(keys.ad_plays(b), b, pl.tz, counted=True), ad_id, n)
    pl.message({"id": event_id, "kind": "ad_plays", "device_id": p["device_id"], "plays": len(p["plays"])})


def _driver_active(pl: Planner, event_id: int, p: dict) -> None:
    day = datetime.fromisoformat(p["date"]).date()
    driver_id = p["driver_id"]
    w = pl.w(keys.PLATFORM)
    w.add(["b", w.key(keys.active_drivers(day.isoformat()), f"day:{day.isoformat()}", pl.tz), str(driver_id)])
    d = pl.w(keys.driver(driver_id))
    d.add(["b", d.key(keys.checkins(driver_id, day.year), f"year:{day.year}", pl.tz),
                  str(day.timetuple().tm_yday - 1)])
    pl.message({"id": event_id, "kind": "driver_active", "driver_id": driver_id, "date": p["date"]})


def _driver_location(pl: Planner, event_id: int, p: dict) -> None:
    pl.position(p["driver_id"], p["lat"], p["lng"], p["recorded_at"])
    pl.message({"id": event_id, "kind": "driver_location", "driver_id": p["driver_id"], "lat": p["lat"],
                "lng": p["lng"], "at": p["recorded_at"]})


HANDLERS = {
    "purchase": _purchase,
    "replenishment": _replenishment,
    "replenishment_cancelled": _cancelled,
    "ad_plays": _ad_plays,
    "driver_active": _driver_active,
    "driver_location": _driver_location,
}
