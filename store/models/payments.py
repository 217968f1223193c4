"""Alipay payments, their mismatches, and refunds of purchases (API.md "Payments (Alipay)").

A payment is the cart a passenger is asked to pay; it becomes one purchase when Alipay
confirms it. Refunds lower a purchase's amounts; their lines say how much of each
product's amount went back (the figures' product rankings), in the purchase's periods.
Owners: ``ingest.payments`` (payments, payment_mismatches), ``ingest.refunds`` (refunds, refund_lines).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base, Cents, created_at_column

# creating: the row exists while alipay.trade.precreate is asked (deleted when that fails);
# pending: the QR code is out; paid: Alipay confirmed it (purchase_id set); closed: expired or closed at Alipay.
PAYMENT_STATUSES = ("creating", "pending", "paid", "closed")


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # Alipay's out_trade_no
    created_at: Mapped[datetime] = created_at_column()
    device_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    total_cents: Mapped[int] = mapped_column(Cents)
    # the priced cart: [[product_id, sku, quantity, unit_price_cents, amount_cents], ...] (what the purchase records)
    items: Mapped[list] = mapped_column(JSONB)
    request_hash: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    qr_code: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(TZ)
    trade_no: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None] = mapped_column(TZ)
    purchase_id: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(TZ)
    checked_at: Mapped[datetime | None] = mapped_column(TZ)  # last asked with alipay.trade.query (the sync job)
    __table_args__ = (
        # the sync job's reading: what is still open, oldest first
        Index("ix_payments_open", "created_at", postgresql_where="status IN ('creating', 'pending')"),
        Index("ix_payments_purchase", "purchase_id", postgresql_where="purchase_id IS NOT NULL"),
    )


class PaymentMismatch(Base):
    """What Alipay says and the platform does not agree with, for an operator (the payment_mismatch alert)."""
    __tablename__ = "payment_mismatches"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64))  # as Alipay sent it (a known payment's id)
    reason: Mapped[str] = mapped_column(String(20))  # amount | paid_after_close
    trade_no: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    # Alipay repeats a notification for 25 hours: one record per payment, reason and trade
    __table_args__ = (UniqueConstraint("payment_id", "reason", "trade_no", name="uq_payment_mismatches_once"),)


class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # Alipay's out_request_no
    purchase_id: Mapped[str] = mapped_column(String(32))
    purchase_occurred_at: Mapped[datetime] = mapped_column(TZ)  # the periods the refund counts in
    device_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Cents)
    method: Mapped[str] = mapped_column(String(10))  # the purchase's: alipay refunds went through Alipay
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="succeeded")
    created_at: Mapped[datetime] = created_at_column()
    __table_args__ = (Index("ix_refunds_purchase", "purchase_id"),)


class RefundLine(Base):
    """A refund's share of one product's amount (shares sum to the refund's amount)."""
    __tablename__ = "refund_lines"
    refund_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TZ)  # the purchase's
    device_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Cents)
    __table_args__ = (Index("ix_refund_lines_occurred", "occurred_at"),)
