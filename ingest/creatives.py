"""Ad creatives: the upload use case (streamed to a spool, typed from its bytes, stored by
SHA-256 once) and the retention of the objects of long-ended ads.

The object store is written outside any transaction (a 200 MB upload to S3 takes seconds):
the file goes in first, then one transaction records the object and the creative. The
retention sweep deletes an object only when no creative names it and no upload touched it
within ``GRACE``; an upload re-checks its object after its commit, so a sweep that raced
it (same bytes as a long-ended ad's) costs a second write, never a missing file.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from ingest import media
from ingest.errors import Invalid, NotFound, TooLarge
from ingest.timing import utcnow
from store.models import Ad, Creative, CreativeObject

log = logging.getLogger(__name__)
GRACE = timedelta(hours=6)  # longer than any upload takes between its object write and its commit
THUMBNAIL_TYPE = "image/jpeg"


def creative_body(row) -> dict:
    """The creative as API.md shows it (width/height for images, duration_ms for videos, when known)."""
    body = {"id": row.id, "ad_id": row.ad_id, "content_type": row.content_type, "bytes": row.bytes,
            "sha256": row.sha256}
    for name in ("width", "height", "duration_ms"):
        if getattr(row, name) is not None:
            body[name] = getattr(row, name)
    return body


def require_ad(store, ad_id: int) -> None:
    with store.sessions() as session:
        if session.get(Ad, ad_id) is None:
            raise NotFound(f"ad {ad_id} does not exist")


def add_creative(store, ad_id: int, chunks: Iterable[bytes], limit: int) -> tuple[dict, bool]:
    """Store the uploaded file (``chunks``: its bytes as they arrive) as a creative of ``ad_id``.

    Returns ``(creative, created)``; the same bytes for the same ad again return the first
    creative with ``created`` False. Over ``limit`` bytes: ``TooLarge`` as soon as it is
    passed; not an accepted type: ``Unsupported`` as soon as the first bytes show it. Either
    way, and when the upload breaks off, nothing is stored.
    """
    require_ad(store, ad_id)
    objects = store.objects
    with objects.spool() as spool:
        content_type = None
        for chunk in chunks:
            if spool.bytes + len(chunk) > limit:
                raise TooLarge(f"The file is larger than {limit // (1024 * 1024)} MB", field="file")
            spool.write(chunk)
            if content_type is None and len(spool.head) >= media.SNIFF_BYTES:
                content_type = media.sniff(spool.head)
        if spool.bytes == 0:
            raise Invalid("The file is empty", field="file")
        content_type = content_type or media.sniff(spool.head)
        spool.finish()
        found = media.inspect(spool.path, content_type)
        sha256, size = spool.sha256, spool.bytes
        thumbnail = _put_thumbnail(store, found.thumbnail)
        objects.put(sha256, spool.path, content_type)
        creative, created = _record(store, ad_id, sha256, size, found, thumbnail)
        if not objects.exists(sha256):  # a sweep raced this upload: the row is fresh now, write again
            objects.put(sha256, spool.path, content_type)
    return creative, created


def _put_thumbnail(store, data: bytes | None) -> tuple[str, int] | None:
    if data is None:
        return None
    with store.objects.spool() as spool:
        spool.write(data)
        spool.finish()
        store.objects.put(spool.sha256, spool.path, THUMBNAIL_TYPE)
        return spool.sha256, spool.bytes


def _touch(session, sha256: str, content_type: str, size: int, now: datetime) -> None:
    statement = insert(CreativeObject).values(sha256=sha256, content_type=content_type, bytes=size, touched_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=[CreativeObject.sha256],
                                                    set_={"touched_at": statement.excluded.touched_at}))


def _record(store, ad_id, sha256, size, found: media.Media, thumbnail) -> tuple[dict, bool]:
    now = utcnow()
    with store.transaction() as session:
        _touch(session, sha256, found.content_type, size, now)
        if thumbnail:
            _touch(session, thumbnail[0], THUMBNAIL_TYPE, thumbnail[1], now)
        row = session.execute(insert(Creative).values(
            ad_id=ad_id, sha256=sha256, content_type=found.content_type, bytes=size, width=found.width,
            height=found.height, duration_ms=found.duration_ms, thumbnail_sha256=thumbnail and thumbnail[0],
        ).on_conflict_do_nothing(constraint="uq_creatives_ad_sha256").returning(Creative)).scalar_one_or_none()
        created = row is not None
        if row is None:
            row = session.scalars(select(Creative).where(Creative.ad_id == ad_id, Creative.sha256 == sha256)).one()
        return creative_body(row), created


def get_creative(store, creative_id: int) -> Creative:
    with store.sessions() as session:
        row = session.get(Creative, creative_id)
    if row is None:
        raise NotFound(f"creative {creative_id} does not exist")
    return row


def creatives_of(store, ad_ids) -> dict[int, list[Creative]]:
    """The creatives of these ads, oldest first."""
    out: dict[int, list[Creative]] = {}
    ids = list(ad_ids)
    if not ids:
        return out
    with store.sessions() as session:
        for row in session.scalars(select(Creative).where(Creative.ad_id.in_(ids)).order_by(Creative.id)):
            out.setdefault(row.ad_id, []).append(row)
    return out


# ---- retention ---------------------------------------------------------------------------
_ENDED = text("DELETE FROM creatives c USING ads a WHERE a.id = c.ad_id AND a.ends_at < :cutoff")
_UNREFERENCED = text("""
SELECT o.sha256 FROM creative_objects o
WHERE o.touched_at < :fresh
  AND NOT EXISTS (SELECT 1 FROM creatives c WHERE c.sha256 = o.sha256)
  AND NOT EXISTS (SELECT 1 FROM creatives c WHERE c.thumbnail_sha256 = o.sha256)
ORDER BY o.sha256 LIMIT :n FOR UPDATE SKIP LOCKED""")
SWEEP_BATCH = 200


def purge_ended(store, now: datetime) -> dict:
    """Scheduled: the creatives of ads that ended more than ``ad_play_retention_days`` ago go, then
    every stored object no creative names any more (the same bytes on a running ad keep theirs),
    then what failed uploads left behind."""
    cutoff = now - timedelta(days=store.settings.ad_play_retention_days)
    with store.transaction() as session:
        creatives = session.execute(_ENDED, {"cutoff": cutoff}).rowcount
    deleted = 0
    while True:
        with store.transaction() as session:
            names = session.execute(_UNREFERENCED, {"fresh": now - GRACE, "n": SWEEP_BATCH}).scalars().all()
            for name in names:  # the row stays locked until its file is gone
                store.objects.delete(name)
            if names:
                session.execute(text("DELETE FROM creative_objects WHERE sha256 = ANY(:names)"), {"names": names})
        deleted += len(names)
        if len(names) < SWEEP_BATCH:
            break
    swept = store.objects.sweep(now - GRACE)
    return {"creatives": creatives, "objects": deleted, "unfinished_uploads": swept}
