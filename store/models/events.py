"""The outbox, idempotency records, GPS points and ad plays."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Identity, Index, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base, created_at_column


class OutboxEvent(Base):
    """One committed event, written in the use case's transaction; its id is the event id."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    applied_at: Mapped[datetime | None] = mapped_column(TZ)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The AMQP relay's own mark (relay/): set when the broker confirmed the event, whatever Redis did.
    published_at: Mapped[datetime | None] = mapped_column(TZ)
    __table_args__ = (Index("ix_outbox_pending", "id", postgresql_where="applied_at IS NULL"),
                      Index("ix_outbox_unpublished", "id", postgresql_where="published_at IS NULL"))


class IdempotencyKey(Base):
    """A stored response per (principal, key), replayed byte for byte."""
    __tablename__ = "idempotency_keys"
    principal: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(SmallInteger)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    __table_args__ = (Index("ix_idempotency_created", "created_at"),)


class GpsPoint(Base):
    __tablename__ = "gps_points"
    driver_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = created_at_column()
    __table_args__ = ({"postgresql_partition_by": "RANGE (recorded_at)"},)


class AdPlay(Base):
    __tablename__ = "ad_plays"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    played_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    ad_id: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    creative_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: plays outlive nothing, creatives go first
    received_at: Mapped[datetime] = created_at_column()
    __table_args__ = (
        Index("ix_ad_plays_ad_played", "ad_id", "played_at"),
        {"postgresql_partition_by": "RANGE (played_at)"},
    )
