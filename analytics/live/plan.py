"""Outbox event → the writes of each scope it touches (pure: no Redis, no clock).

One ``Write`` becomes one run of ``lua/apply.lua``: the dedupe key of the
event in that scope, then the increments. Purchases count in the platform,
their driver and their device (retail); replenishment orders in the
platform, each station and the driver (wholesale); a cancel is the same
order with every figure negated, in the periods of its original
``created_at``. Late events simply land in the buckets of their own time.
"""
from __future__ import annotations

from datetime import datetime

from analytics import keys, periods
from analytics.live import payments
from analytics.live.planner import Planner
from analytics.live.write import Write


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


def _alert(pl: Planner, event_id: int, p: dict) -> None:
    """No figure changes: the wall's alert strip and the console's badge hear of it on the channel
    (with what they show of it: subject and opening time)."""
    status = "resolved" if p["resolved_at"] else "acknowledged" if p.get("acknowledged_at") else "opened"
    pl.message({"id": event_id, "kind": "alert", "status": status, "alert_id": p["id"], "alert_kind": p["kind"],
                "severity": p["severity"], "station_id": p["station_id"], "subject": p["subject"],
                "opened_at": p["opened_at"]})


def _picked_up(pl: Planner, event_id: int, p: dict) -> None:
    """No figure changes here, but the order leaves the pickup queue: the maps and queues hear of it."""
    pl.message({"id": event_id, "kind": "replenishment_picked_up", "order_id": p["order_id"],
                "station_id": p["station_id"], "driver_id": p["driver_id"], "device_id": p.get("device_id")})


def _notice(pl: Planner, event_id: int, p: dict) -> None:
    """Events for the AMQP stream that change no figure (device presence): nothing to write."""


HANDLERS = {
    # catalogue changes: no figure; analytics.catalogue.index puts them on the map and in the search
    "station_indexed": _notice,
    "product_indexed": _notice,
    "alert_opened": _alert,
    "alert_resolved": _alert,
    "alert_acknowledged": _alert,
    "replenishment_picked_up": _picked_up,
    "device_online": _notice,
    "device_offline": _notice,
    "purchase": _purchase,
    "replenishment": _replenishment,
    "replenishment_cancelled": _cancelled,
    "ad_plays": _ad_plays,
    "driver_active": _driver_active,
    "driver_location": _driver_location,
    **payments.HANDLERS,
}
