"""API.md "Ads: creatives and playlists": uploads, the device playlist, the creatives' bytes.

- ``POST /ads/{id}/creatives`` (admin token, or an admin signed in to the console with
  the form token): the one endpoint whose body may pass 2 MiB; its own limit is
  ``BUYFREE_CREATIVE_MAX_MB``, counted as the bytes arrive.
- ``GET /devices/me/playlist`` (device; an admin names ``device_id``): URLs presigned by
  the S3 store, or signed app URLs of ``GET /creatives/{id}`` for the directory store.
  The weak ETag covers the items and the URLs' expiry (one per 10-minute slot).
- ``GET /creatives/{id}`` and ``/thumbnail``: no token, the signature is the right to read.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import orjson
from flask import Blueprint, Response, redirect, request, send_file
from pydantic import Field

from analytics import queries
from api.auth import token_or_session
from api.errors import Forbidden, NotFound, Unavailable
from api.routing import ROUTES, endpoint
from api.schemas.common import Out, Query, QueryId
from api.uploads import declared_too_large, file_chunks
from api.writes import acting_for
from ingest import creatives
from store import get_store
from store.objects import ObjectStoreError, signing
from store.objects.base import CACHE_FOREVER

bp = Blueprint("creatives", __name__, url_prefix="/api/v1")


class CreativeOut(Out):
    id: int
    ad_id: int
    content_type: str
    bytes: int
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


class PlaylistItem(Out):
    ad_id: int
    title: str
    creative_id: int
    content_type: str
    bytes: int
    sha256: str
    url: str
    duration_ms: int | None


class PlaylistOut(Out):
    items: list[PlaylistItem]
    generated_at: str


class PlaylistQuery(Query):
    device_id: QueryId | None = Field(None, description="admin only: whose playlist")


@bp.errorhandler(ObjectStoreError)
def _store_down(exc):
    raise Unavailable("The object store cannot be reached; retry shortly", headers={"Retry-After": "5"})


@endpoint(bp, "/ads/<id:ad_id>/creatives", methods=("POST",), auth=None, responses={201: CreativeOut},
          content_type="application/json", errors=(400, 401, 403, 413, 415, 422), raw_body=("multipart/form-data", {
              "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}))
def upload_creative(ad_id: int):
    """Upload a creative (multipart `file`: PNG, JPEG, WebP, MP4 or WebM); the same bytes are stored once."""
    token_or_session(("admin",), csrf=True)
    store = get_store()
    limit = store.settings.creative_max_bytes
    too_large = declared_too_large(limit)
    if too_large is not None:
        raise too_large
    creatives.require_ad(store, ad_id)  # 404 before a byte of the body is read
    body, created = creatives.add_creative(store, ad_id, file_chunks(limit), limit)
    queries.forget_playlist(store)
    return body, 201 if created else 200


@endpoint(bp, "/devices/me/playlist", auth=("device", "admin"), query=PlaylistQuery, responses={200: PlaylistOut},
          errors=(404,))
def device_playlist(principal, query: PlaylistQuery):
    """The ads running now that still owe plays, with their creatives and URLs to fetch them."""
    acting_for(principal, "device", query.device_id)
    store = get_store()
    now = datetime.now(timezone.utc)
    exp = signing.expiry(now)
    items = queries.fresh_playlist(store)
    tag = hashlib.sha256(orjson.dumps([exp, items])).hexdigest()[:32]
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        expires_at = datetime.fromtimestamp(exp, timezone.utc)
        for item in items:
            item["url"] = _url(store, item["creative_id"], item["sha256"], item["content_type"], exp, expires_at)
        body = {"items": items, "generated_at": now.astimezone(store.settings.tz).isoformat(timespec="seconds")}
        response = Response(orjson.dumps(body), mimetype="application/json")
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _url(store, creative_id: int, sha256: str, content_type: str, exp: int, expires_at: datetime) -> str:
    if store.objects.presigns:
        return store.objects.presign(sha256, expires_at, content_type)
    return signing.app_url(store.settings.secret_key, creative_id, exp)


@endpoint(bp, "/creatives/<id:creative_id>", auth=None, responses={200: "application/octet-stream"}, errors=(403,))
def creative_file(creative_id: int):
    """A creative's bytes at a signed URL (Range requests answer 206; cached by its sha256)."""
    return _serve(creative_id, "")


@endpoint(bp, "/creatives/<id:creative_id>/thumbnail", auth=None, responses={200: "image/jpeg"}, errors=(403,))
def creative_thumbnail(creative_id: int):
    """A creative's thumbnail (an image's, or a video's first frame) at a signed URL."""
    return _serve(creative_id, "thumbnail")


def _serve(creative_id: int, variant: str):
    store = get_store()
    exp, sig = request.args.get("exp"), request.args.get("sig")
    if not signing.valid(store.settings.secret_key, creative_id, exp, sig, variant):
        raise Forbidden("This link is not signed for this file or has expired; ask for a fresh playlist")
    row = creatives.get_creative(store, creative_id)
    name, content_type = row.sha256, row.content_type
    if variant:
        if row.thumbnail_sha256 is None:
            raise NotFound(f"creative {creative_id} has no thumbnail")
        name, content_type = row.thumbnail_sha256, creatives.THUMBNAIL_TYPE
    objects = store.objects
    if objects.presigns:  # the bytes live in the bucket: send the client there, signed until the same time
        return redirect(objects.presign(name, datetime.fromtimestamp(int(exp), timezone.utc), content_type), 302)
    path = objects.path(name)
    if not path.is_file():
        raise NotFound(f"the file of creative {creative_id} is missing from the store")
    response = send_file(path, mimetype=content_type, conditional=True, etag=name, max_age=31536000,
                         last_modified=None)
    response.headers["Cache-Control"] = CACHE_FOREVER
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


for _route in ROUTES:  # the upload checks its caller itself (a token or the console session): document the token
    if _route.rule == "/api/v1/ads/<id:ad_id>/creatives":
        _route.auth = ("admin",)
