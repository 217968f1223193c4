"""Ad creatives: the stored objects (by SHA-256) and the creatives of each ad that name them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import TZ, Base, created_at_column


class CreativeObject(Base):
    """One stored object (a creative's file or a thumbnail); the retention sweep reads this, not the bucket."""
    __tablename__ = "creative_objects"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column(BigInteger)
    # The last upload that named it: the sweep leaves objects alone while an upload may still be linking them.
    touched_at: Mapped[datetime] = mapped_column(TZ)
    created_at: Mapped[datetime] = created_at_column()


class Creative(Base):
    __tablename__ = "creatives"
    id: Mapped[int] = mapped_column(primary_key=True)
    ad_id: Mapped[int] = mapped_column(ForeignKey("ads.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(ForeignKey("creative_objects.sha256"))
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    thumbnail_sha256: Mapped[str | None] = mapped_column(ForeignKey("creative_objects.sha256"))
    created_at: Mapped[datetime] = created_at_column()
    __table_args__ = (
        UniqueConstraint("ad_id", "sha256", name="uq_creatives_ad_sha256"),  # the same bytes twice: one creative
        Index("ix_creatives_sha256", "sha256"),
        Index("ix_creatives_thumbnail_sha256", "thumbnail_sha256"),
    )
