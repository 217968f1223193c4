"""Alerts: conditions the platform opened and resolves by itself (analytics/alerts owns the rows)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Identity, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base, created_at_column


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(10))
    subject_type: Mapped[str] = mapped_column(String(16))  # device | station | order | payment
    subject_id: Mapped[str] = mapped_column(String(40))  # text: orders and payments have string ids
    station_id: Mapped[int | None] = mapped_column(Integer)  # whose station may read and acknowledge it
    detail: Mapped[dict] = mapped_column(JSONB)
    opened_at: Mapped[datetime] = created_at_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(TZ)
    resolved_at: Mapped[datetime | None] = mapped_column(TZ)
    __table_args__ = (
        # At most one open alert per kind and subject, whoever evaluates: the INSERT's ON CONFLICT target.
        Index("uq_alerts_open", "kind", "subject_type", "subject_id", unique=True,
              postgresql_where="resolved_at IS NULL"),
        Index("ix_alerts_station", "station_id", "id"),
    )
