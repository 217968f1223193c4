"""Stations, products, station stock and ads: the platform's catalogue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base, Cents, created_at_column


class Station(Base):
    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = created_at_column()


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(50))
    retail_price_cents: Mapped[int] = mapped_column(Cents)
    supply_price_cents: Mapped[int] = mapped_column(Cents)
    created_at: Mapped[datetime] = created_at_column()
    __table_args__ = (
        CheckConstraint("retail_price_cents > 0", name="retail_positive"),
        CheckConstraint("supply_price_cents > 0", name="supply_positive"),
    )


class StationStock(Base):
    __tablename__ = "station_stock"
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    on_shelf: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = created_at_column()
    # The last line of defence against overselling: reservations are
    # conditional updates, and this check makes a bad one fail loudly.
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_nonnegative"),)


class Ad(Base):
    __tablename__ = "ads"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    advertiser: Mapped[str] = mapped_column(String(100))
    expected_plays: Mapped[int] = mapped_column(Integer)
    price_per_play_cents: Mapped[int] = mapped_column(Cents)
    starts_at: Mapped[datetime] = mapped_column(TZ)
    ends_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = created_at_column()
