"""Outbox events of payments and refunds → their writes (``analytics.live.plan`` registers them).

A refund lowers the amounts of its purchase's periods (units and orders stay): the retail
totals of the platform, the driver and the device, the platform's product ranking by amount
(each product by its share, the event's lines) and the driver ranking's amount. Payment
events change no figure (the purchase's own event does): a message for live screens.
"""
from __future__ import annotations

from analytics import keys
from analytics.live.planner import Planner


def _refunded(pl: Planner, event_id: int, p: dict) -> None:
    when, amount = p["occurred_at"], p["amount_cents"]
    pl.sale(keys.PLATFORM, "retail", when, -1, amount, 0, p["lines"], products=True, orders=0)
    pl.sale(keys.driver(p["driver_id"]), "retail", when, -1, amount, 0, (), products=False, orders=0)
    pl.sale(keys.device(p["device_id"]), "retail", when, -1, amount, 0, (), products=False, orders=0)
    pl.ranked(keys.driver_rank, keys.driver_figures, p["driver_id"], when, -1, amount, 0, orders=0)
    pl.message({"id": event_id, "kind": "purchase_refunded", "purchase_id": p["purchase_id"],
                "refund_id": p["refund_id"], "driver_id": p["driver_id"], "device_id": p["device_id"],
                "amount_cents": amount})


def _payment(kind: str):
    def handler(pl: Planner, event_id: int, p: dict) -> None:
        pl.message({"id": event_id, "kind": kind, **{k: v for k, v in p.items() if k in (
            "payment_id", "purchase_id", "device_id", "total_cents", "reason")}})
    return handler


HANDLERS = {
    "purchase_refunded": _refunded,
    "payment_paid": _payment("payment_paid"),
    "payment_closed": _payment("payment_closed"),
    "payment_mismatch": _payment("payment_mismatch"),
}
