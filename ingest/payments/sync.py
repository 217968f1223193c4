"""The scheduler's ``payments_sync``: ask Alipay about payments a notification has not settled.

- pending for over 30 s (a notification can be lost) and not asked in the last minute:
  ``alipay.trade.query``; paid → the purchase (the same settlement as a notification; a late
  notification then replays it), closed at Alipay → closed here;
- past ``expires_at``: ``alipay.trade.close`` (Alipay also stops it by the ``timeout_express``
  sent with the precreate), then closed here; paid meanwhile → recorded instead;
- ``creating`` for longer than a precreate can take (a process died between its steps):
  recorded when Alipay says paid, else deleted.
Alipay slow or down ends the run at the first failed call; the next run goes on.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import text

from ingest import alipay
from ingest.errors import PaymentGatewayError
from ingest.payments import paid, rows

log = logging.getLogger(__name__)

QUERY_AFTER = timedelta(seconds=30)
ASK_EVERY = timedelta(seconds=60)
BATCH = 200
_DUE = text(f"""
SELECT {rows.COLUMNS} FROM payments
WHERE status IN ('creating', 'pending') AND created_at < :query_before
  AND (status = 'creating' OR expires_at <= :now OR checked_at IS NULL OR checked_at < :asked_before)
ORDER BY created_at LIMIT :n""")


def sync_payments(store, now: datetime) -> tuple[dict, list]:
    """(counts, committed events)."""
    gateway = alipay.client(store)
    stale_creating = now - timedelta(seconds=2 * store.settings.alipay_timeout_seconds + 30)
    with store.engine.connect() as conn:
        due = conn.execute(_DUE, {"query_before": now - QUERY_AFTER, "now": now, "asked_before": now - ASK_EVERY,
                                  "n": BATCH}).all()
    counts = {"asked": 0, "paid": 0, "closed": 0, "forgotten": 0, "mismatched": 0}
    events: list = []
    try:
        for payment in due:
            if payment.status == "creating" and payment.created_at >= stale_creating:
                continue  # its request is still waiting for precreate's reply
            counts["asked"] += 1
            events += _sync_one(store, gateway, payment, now, counts)
    except PaymentGatewayError as exc:
        log.warning("payments_sync stopped: %s (the next run goes on)", exc)
        counts["error"] = str(exc)
    return counts, events


def _sync_one(store, gateway, payment, now: datetime, counts: dict) -> list:
    trade = gateway.query(payment.id)
    with store.engine.begin() as conn:
        rows.checked(conn, payment.id)
    if trade is not None and trade.paid:
        return _paid(store, payment, trade, counts)
    if payment.status == "creating":
        with store.engine.begin() as conn:
            rows.forget(conn, payment.id)
        counts["forgotten"] += 1
        return []
    if trade is not None and trade.status == "TRADE_CLOSED":
        counts["closed"] += 1
        return paid.close_payment(store, payment.id, "closed at Alipay")
    if payment.expires_at > now:
        return []
    if gateway.close(payment.id) == "not_closable":  # paid between the query and the close
        trade = gateway.query(payment.id)
        if trade is not None and trade.paid:
            return _paid(store, payment, trade, counts)
    counts["closed"] += 1
    return paid.close_payment(store, payment.id, "expired")


def _paid(store, payment, trade: alipay.Trade, counts: dict) -> list:
    if trade.total_cents != payment.total_cents:
        counts["mismatched"] += 1
        return paid.record_mismatch(store, payment.id, "amount", trade.trade_no, {
            "alipay_total_cents": trade.total_cents, "total_cents": payment.total_cents, "via": "trade.query"})
    counts["paid"] += 1
    try:
        return paid.record_paid(store, payment.id, trade.trade_no, trade.paid_at or payment.created_at)
    except paid.PaymentClosed:
        counts["mismatched"] += 1
        return paid.record_mismatch(store, payment.id, "paid_after_close", trade.trade_no,
                                    {"total_cents": payment.total_cents, "via": "trade.query"})
