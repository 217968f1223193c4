"""Ads and their creatives: ``GET /devices/me/playlist`` and the plays of each creative.

The playlist: the ads running now that still owe plays, with their creatives.

Running: ``starts_at <= now < ends_at`` (no end: running until it has its plays),
compared as instants, so the business time zone's midnight is the boundary an admin
typed. Plays so far are the live total (one ZMSCORE of ``ad_plays(total)``); with
Redis down they are counted in Postgres for just these ads (the index on ad, time).
Order is stable: by ad, then creative, oldest first. The same for every device.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone

from redis.exceptions import RedisError
from sqlalchemy import func, or_, select

from analytics import keys
from analytics.queries.common import number
from store.models import Ad, AdPlay, Creative

log = logging.getLogger(__name__)
IMAGE_MS = 10_000  # how long a device shows an image creative: images carry no duration of their own
FRESH_SECONDS = 1.0  # every device asks the same question: one answer per process per second
_lock = threading.Lock()


def fresh_playlist(store) -> list[dict]:
    """``playlist(store)`` as computed at most ``FRESH_SECONDS`` ago in this process (copies of its items).

    The join and the plays lookup are four fifths of a playlist request's CPU (profiled); an ad that
    just reached its plays, or a creative another process just stored, shows up to a second late.
    This process's own uploads and plays call ``forget_playlist`` and are seen at once."""
    cached = store.ads_playlist
    if cached is None or time.monotonic() - cached[0] > FRESH_SECONDS:
        with _lock:
            cached = store.ads_playlist
            if cached is None or time.monotonic() - cached[0] > FRESH_SECONDS:
                cached = store.ads_playlist = (time.monotonic(), playlist(store))
    return [dict(item) for item in cached[1]]


def forget_playlist(store) -> None:
    store.ads_playlist = None


def playlist(store, now: datetime | None = None) -> list[dict]:
    """The playlist's items (without URLs: those depend on the object store and are signed by the caller)."""
    now = now or datetime.now(timezone.utc)
    query = (select(Ad.id, Ad.title, Ad.expected_plays, Creative.id.label("creative_id"), Creative.content_type,
                    Creative.bytes, Creative.sha256, Creative.duration_ms)
             .join(Creative, Creative.ad_id == Ad.id)
             .where(Ad.starts_at <= now, or_(Ad.ends_at.is_(None), Ad.ends_at > now))
             .order_by(Ad.id, Creative.id))
    with store.sessions() as session:
        rows = session.execute(query).all()
    plays = plays_so_far(store, sorted({r.id for r in rows}))
    return [{"ad_id": r.id, "title": r.title, "creative_id": r.creative_id, "content_type": r.content_type,
             "bytes": r.bytes, "sha256": r.sha256,
             "duration_ms": r.duration_ms if r.duration_ms is not None else
             (IMAGE_MS if r.content_type.startswith("image/") else None)}
            for r in rows if plays.get(r.id, 0) < r.expected_plays]


def plays_so_far(store, ad_ids: list[int]) -> dict[int, int]:
    """Every play of these ads: the live total, or Postgres's count when Redis is down."""
    if not ad_ids:
        return {}
    try:
        scores = store.redis.zmscore(keys.ad_plays("total"), ad_ids)
        return {ad_id: number(score) for ad_id, score in zip(ad_ids, scores)}
    except RedisError as exc:
        log.warning("playlist: live plays unavailable (%s); counting in Postgres", exc.__class__.__name__)
    with store.sessions() as session:
        rows = session.execute(select(AdPlay.ad_id, func.count()).where(AdPlay.ad_id.in_(ad_ids))
                               .group_by(AdPlay.ad_id)).all()
    return {ad_id: count for ad_id, count in rows}


def plays_by_creative(store, ad_id: int) -> dict[int | None, int]:
    """creative id (None: plays that named none) -> plays, read from Postgres for one ad (the console).

    Not a live figure: a play event would pay for one more counter in every apply, rebuild
    and reconcile, for a number read only when an admin opens an ad; this is an index range
    scan of one ad's plays (``ix_ad_plays_ad_played``) instead."""
    with store.sessions() as session:
        rows = session.execute(select(AdPlay.creative_id, func.count()).where(AdPlay.ad_id == ad_id)
                               .group_by(AdPlay.creative_id)).all()
    return {creative_id: count for creative_id, count in rows}
