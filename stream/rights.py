"""What a stream was granted, and whether it still holds (checked every few seconds for all
open streams at once: one query per kind of grant, however many streams).

Kinds: ``admin`` (the admin token: holds while the process runs), ``station`` (a station's
API key: holds until revoked), ``kiosk`` (a screen link: holds until ``DELETE /screens``
removes its row), ``session`` (a console sign-in: holds until it signs out, expires, or its
user is deleted or changes role or station).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from analytics import keys

_KIOSK = text("SELECT station_id FROM screens WHERE token_hash = :hash")
_KIOSKS = text("SELECT token_hash FROM screens WHERE token_hash = ANY(:hashes)")
_KEYS = text("SELECT key_hash FROM api_keys WHERE key_hash = ANY(:hashes) AND revoked_at IS NULL")
_USERS = text("SELECT id, role, station_id FROM users WHERE id = ANY(:ids)")


@dataclass(frozen=True)
class Grant:
    scope: str  # platform | station:<id>
    kind: str  # admin | station | kiosk | session
    key: str | None = None  # the token's hash (station, kiosk) or the session's id
    user: tuple | None = None  # a session's (user id, role, station id) as signed in
    until: float | None = None  # a session's expiry (unix time)


def kiosk_station(store, token_hash: str) -> tuple[bool, int | None]:
    """(the link exists, its station id or None for the platform)."""
    with store.sessions() as session:
        row = session.execute(_KIOSK, {"hash": token_hash}).first()
    return (row is not None, row.station_id if row else None)


def lapsed(store, grants) -> set[Grant]:
    """The grants among ``grants`` that no longer hold."""
    grants, now = set(grants), time.time()
    gone = {g for g in grants if g.until is not None and g.until <= now}
    by_kind: dict[str, set[Grant]] = {}
    for grant in grants - gone:
        by_kind.setdefault(grant.kind, set()).add(grant)
    with store.sessions() as session:
        if "kiosk" in by_kind:
            alive = set(session.execute(_KIOSKS, {"hashes": [g.key for g in by_kind["kiosk"]]}).scalars())
            gone |= {g for g in by_kind["kiosk"] if g.key not in alive}
        if "station" in by_kind:
            alive = set(session.execute(_KEYS, {"hashes": [g.key for g in by_kind["station"]]}).scalars())
            gone |= {g for g in by_kind["station"] if g.key not in alive}
        if "session" in by_kind:
            users = {row.id: tuple(row) for row in session.execute(
                _USERS, {"ids": list({g.user[0] for g in by_kind["session"]})})}
            gone |= {g for g in by_kind["session"] if users.get(g.user[0]) != g.user}
    sessions = [g for g in by_kind.get("session", ()) if g not in gone]
    if sessions:
        marked = store.redis.mget([keys.signed_out(g.key) for g in sessions])
        gone |= {g for g, mark in zip(sessions, marked) if mark}
    return gone


def sign_out(store, session_id: str, ttl_seconds: int) -> None:
    """Mark a console session signed out (its streams end within one rights check)."""
    store.redis.set(keys.signed_out(session_id), "1", ex=max(1, int(ttl_seconds)))


def signed_out(store, session_id: str) -> bool:
    return bool(session_id) and bool(store.redis.exists(keys.signed_out(session_id)))
