"""Replenishment orders, purchases, their lines and the double-entry ledger.

Orders, purchases and their lines are range-partitioned by month on their
event time (see ``store.partitions``), so their primary keys carry that time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base, Cents, created_at_column

ORDER_STATUSES = ("awaiting_pickup", "picked_up", "cancelled")


class Order(Base):
    """A replenishment order: one driver buying from one station."""
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    received_at: Mapped[datetime] = created_at_column()
    request_id: Mapped[str] = mapped_column(String(32))  # the cart this order was split from
    station_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="awaiting_pickup")
    total_cents: Mapped[int] = mapped_column(Cents)
    # the lines' quantities summed, as total_cents sums their amounts: the rebuild's per-order
    # figures (stations, drivers) read the orders instead of three times as many lines
    units: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(10))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    pickup_at: Mapped[datetime | None] = mapped_column(TZ)
    picked_up_at: Mapped[datetime | None] = mapped_column(TZ)
    cancelled_at: Mapped[datetime | None] = mapped_column(TZ)
    cancel_reason: Mapped[str | None] = mapped_column(String(20))
    device_id: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_orders_id", "id"),
        Index("ix_orders_station_created", "station_id", "created_at"),
        Index("ix_orders_driver_created", "driver_id", "created_at"),
        Index("ix_orders_awaiting", "station_id", "created_at", postgresql_where="status = 'awaiting_pickup'"),
        {"postgresql_partition_by": "RANGE (created_at)"},
    )


class AwaitingPickup(Base):
    """An order while it awaits pickup (the wall's map reads these, not the partitioned orders).
    Kept by the trigger ``orders_keep_awaiting_pickups`` (migration 0008): no code writes it."""
    __tablename__ = "awaiting_pickups"
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TZ)
    station_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)


class OrderLine(Base):
    __tablename__ = "order_lines"
    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Cents)
    amount_cents: Mapped[int] = mapped_column(Cents)
    __table_args__ = (
        Index("ix_order_lines_order", "order_id"),
        {"postgresql_partition_by": "RANGE (created_at)"},
    )


class Purchase(Base):
    """A passenger's purchase from the device in a driver's car."""
    __tablename__ = "purchases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    received_at: Mapped[datetime] = created_at_column()
    device_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Cents)
    payment_method: Mapped[str] = mapped_column(String(10))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (  # no index on id alone: the primary key leads with it
        Index("ix_purchases_device_occurred", "device_id", "occurred_at"),
        Index("ix_purchases_driver_occurred", "driver_id", "occurred_at"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


class PurchaseLine(Base):
    __tablename__ = "purchase_lines"
    purchase_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Cents)
    amount_cents: Mapped[int] = mapped_column(Cents)
    __table_args__ = ({"postgresql_partition_by": "RANGE (occurred_at)"},)


class LedgerEntry(Base):
    """One leg of a money movement; the legs of one ``txn_id`` sum to zero.

    Accounts are strings: ``driver:7``, ``station:1``, ``passengers``.
    """
    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(48))  # not indexed: nothing looks legs up by transaction
    account: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(Cents)
    kind: Mapped[str] = mapped_column(String(32))  # purchase | replenishment | replenishment_cancel
    ref_id: Mapped[str] = mapped_column(String(32))  # the purchase or order id
    created_at: Mapped[datetime] = created_at_column()
    __table_args__ = (Index("ix_ledger_account", "account", "id"),)
