"""The alert rules, as data: one row per kind of API.md.

A rule names its kind, severity and subject, the SQL of its condition (the
subjects for which it holds *now*, with the station that may see them and a
``detail``), what makes it clear, and the outbox kinds after whose commit it is
evaluated at once for the subjects those events touch. Everything else (open,
resolve, events) is the same for every rule (``analytics.alerts.table``).

A condition's SQL gets ``:now`` (aware), ``:subjects`` (text[] or NULL for all)
and the rule's ``params(settings, now)``; it returns ``subject_id`` (text),
``station_id`` (int or NULL) and ``detail`` (jsonb). A condition that cannot
hold at this hour (``no_sales`` at night) answers ``params`` None: nothing holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Callable

SEVERITIES = ("info", "warning", "critical")
KINDS = ("device_offline", "device_stock_out", "device_stock_low", "station_stock_low", "no_sales",
         "pickup_overdue", "payment_mismatch")
SELLING_HOURS = (time(8), time(22))  # no_sales counts only these business hours
MISMATCH_DAYS = 7  # Alipay repeats notifications for 25 h; a week gives an operator time to settle it by hand


@dataclass(frozen=True)
class Rule:
    kind: str
    severity: str
    subject: str  # device | station | order | payment
    condition: str  # SQL, see the module docstring
    clears: str  # what ends it (the docs' table and the OpenAPI text are made from these)
    params: Callable = lambda settings, now: {}
    # outbox kind -> the subjects of an event of that kind this rule looks at right after its commit
    triggers: dict[str, Callable[[dict], list]] = field(default_factory=dict)


def _subjects(column: str) -> str:
    return f"(CAST(:subjects AS text[]) IS NULL OR {column}::text = ANY(CAST(:subjects AS text[])))"


def _device_stock(test: str) -> str:
    return f"""
SELECT s.device_id::text AS subject_id, NULL::int AS station_id,
       jsonb_build_object('driver_id', d.driver_id,
                          'skus', jsonb_agg(jsonb_build_object('sku', p.sku, 'quantity', s.quantity) ORDER BY p.sku))
         AS detail
FROM device_stock s JOIN products p ON p.id = s.product_id JOIN devices d ON d.id = s.device_id
WHERE {test} AND {_subjects('s.device_id')}
GROUP BY s.device_id, d.driver_id"""


def _no_sales_params(settings, now: datetime):
    local = now.astimezone(settings.tz)
    hours = timedelta(hours=settings.no_sales_alert_hours)
    opens, closes = (datetime.combine(local.date(), t, tzinfo=settings.tz) for t in SELLING_HOURS)
    if not opens + hours <= local < closes:
        return None  # the hours without a sale must all lie within today's selling hours
    return {"since": now - hours, "online_since": now - timedelta(seconds=settings.device_online_seconds),
            "hours": settings.no_sales_alert_hours}


def _devices_of_purchase(payload: dict) -> list:
    return [payload["device_id"]]


def _devices_of_pickup(payload: dict) -> list:
    return [payload["device_id"]] if payload.get("device_id") else []


def _stations_of_orders(payload: dict) -> list:
    return sorted({o["station_id"] for o in payload.get("orders", [payload])})


def _order(payload: dict) -> list:
    return [payload["order_id"]]


def _payment(payload: dict) -> list:
    return [payload["payment_id"]]


RULES: tuple[Rule, ...] = (
    Rule("device_offline", "warning", "device", f"""
SELECT d.id::text AS subject_id, NULL::int AS station_id,
       jsonb_build_object('driver_id', d.driver_id, 'last_seen_at', coalesce(d.last_seen_at, d.activated_at)) AS detail
FROM devices d
WHERE d.activated_at IS NOT NULL AND coalesce(d.last_seen_at, d.activated_at) < :cutoff AND {_subjects('d.id')}""",
         "a heartbeat or a purchase from the device",
         params=lambda s, now: {"cutoff": now - timedelta(minutes=s.device_offline_alert_minutes)},
         triggers={"purchase": _devices_of_purchase}),
    Rule("device_stock_out", "critical", "device", _device_stock("s.quantity <= 0"),
         "every sku of the device above 0 (a pickup)",
         triggers={"purchase": _devices_of_purchase, "replenishment_picked_up": _devices_of_pickup}),
    Rule("device_stock_low", "warning", "device", _device_stock("s.quantity > 0 AND s.quantity <= :threshold"),
         "every sku of the device above BUYFREE_STOCK_ALERT_THRESHOLD or sold out (then device_stock_out)",
         params=lambda s, now: {"threshold": s.stock_alert_threshold},
         triggers={"purchase": _devices_of_purchase, "replenishment_picked_up": _devices_of_pickup}),
    Rule("station_stock_low", "warning", "station", f"""
SELECT s.station_id::text AS subject_id, s.station_id,
       jsonb_build_object('skus', jsonb_agg(jsonb_build_object('sku', p.sku, 'quantity', s.quantity) ORDER BY p.sku))
         AS detail
FROM station_stock s JOIN products p ON p.id = s.product_id
WHERE s.on_shelf AND s.quantity <= :threshold AND {_subjects('s.station_id')}
GROUP BY s.station_id""",
         "every on-shelf sku of the station above BUYFREE_STATION_STOCK_ALERT_THRESHOLD (a restock, a cancel)",
         params=lambda s, now: {"threshold": s.station_stock_alert_threshold},
         triggers={"replenishment": _stations_of_orders, "replenishment_cancelled": _stations_of_orders}),
    Rule("no_sales", "info", "device", f"""
SELECT d.id::text AS subject_id, NULL::int AS station_id,
       jsonb_build_object('driver_id', d.driver_id, 'hours', CAST(:hours AS int)) AS detail
FROM devices d
WHERE d.activated_at <= :since AND d.last_seen_at >= :online_since AND {_subjects('d.id')}
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.device_id = d.id AND p.occurred_at >= :since)""",
         "a purchase, the device going offline, or the end of the selling hours (22:00); "
         "a device activated less than the hours ago is not counted",
         params=_no_sales_params, triggers={"purchase": _devices_of_purchase}),
    Rule("pickup_overdue", "warning", "order", f"""
SELECT o.id AS subject_id, o.station_id,
       jsonb_build_object('driver_id', o.driver_id, 'created_at', o.created_at, 'total_cents', o.total_cents) AS detail
FROM orders o
WHERE o.status = 'awaiting_pickup' AND o.created_at < :cutoff AND {_subjects('o.id')}""",
         "the order picked up or cancelled (the scheduler cancels it at BUYFREE_PICKUP_EXPIRY_HOURS)",
         params=lambda s, now: {"cutoff": now - timedelta(hours=s.pickup_expiry_hours / 2)},
         triggers={"replenishment_cancelled": _order, "replenishment_picked_up": _order}),
    Rule("payment_mismatch", "critical", "payment", f"""
SELECT m.payment_id AS subject_id, NULL::int AS station_id,
       jsonb_build_object('device_id', p.device_id, 'driver_id', p.driver_id, 'total_cents', p.total_cents,
                          'mismatches', jsonb_agg(jsonb_build_object('reason', m.reason, 'trade_no', m.trade_no,
                                                                     'recorded_at', m.created_at) ORDER BY m.id))
         AS detail
FROM payment_mismatches m LEFT JOIN payments p ON p.id = m.payment_id
WHERE m.created_at >= :since AND {_subjects('m.payment_id')}
GROUP BY m.payment_id, p.device_id, p.driver_id, p.total_cents""",
         f"{MISMATCH_DAYS} days after the payment's last mismatch record (acknowledge it once settled by hand)",
         params=lambda s, now: {"since": now - timedelta(days=MISMATCH_DAYS)},
         triggers={"payment_mismatch": _payment}),
)

BY_KIND = {rule.kind: rule for rule in RULES}
assert all(rule.severity in SEVERITIES and rule.kind in KINDS for rule in RULES)
