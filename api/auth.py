"""Bearer tokens: admin, station, driver, device (API.md "Auth")."""
from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass

from flask import g, request
from sqlalchemy import select

from api.errors import Forbidden, Unauthorized
from store import get_store
from store.models import ApiKey
from store.tokens import hash_token

KINDS = ("admin", "station", "driver", "device")
ANY = KINDS
CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class Principal:
    kind: str
    id: int | None = None

    @property
    def name(self) -> str:
        """Scope of idempotency keys and ledger accounts: ``device:3``, ``admin``."""
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    def is_admin(self) -> bool:
        return self.kind == "admin"

    def owns(self, kind: str, owner_id: int) -> bool:
        return self.is_admin() or (self.kind == kind and self.id == owner_id)


class _KeyCache:
    """Token hash → principal for a few seconds: keeps a lookup off every ingest request."""

    def __init__(self):
        self._items: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str):
        item = self._items.get(key)
        if item and item[0] > time.monotonic():
            return item
        return None

    def put(self, key: str, principal: Principal | None) -> None:
        with self._lock:
            if len(self._items) > 50_000:
                self._items.clear()
            self._items[key] = (time.monotonic() + CACHE_SECONDS, principal)


_cache = _KeyCache()


def resolve(token: str) -> Principal | None:
    store = get_store()
    admin = store.settings.admin_token
    if admin and hmac.compare_digest(token.encode(), admin.encode()):
        return Principal("admin")
    digest = hash_token(token)
    hit = _cache.get(digest)
    if hit is not None:
        return hit[1]
    with store.sessions() as session:
        row = session.execute(select(ApiKey.kind, ApiKey.owner_id)
                              .where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))).first()
    principal = Principal(row.kind, row.owner_id) if row else None
    _cache.put(digest, principal)
    return principal


def authenticate(allowed: tuple[str, ...]) -> Principal:
    """401 without a known token; 403 when its kind may not call this endpoint."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <token>`", headers={"WWW-Authenticate": "Bearer"})
    principal = resolve(token.strip())
    if principal is None:
        raise Unauthorized("Unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    if principal.kind not in allowed:
        raise Forbidden(f"A {principal.kind} token may not do this")
    g.principal = principal
    return principal


def current_principal() -> Principal:
    return g.principal


def require_owner(principal: Principal, kind: str, owner_id: int) -> None:
    """403 when a station or driver token reaches for another owner's data."""
    if not principal.owns(kind, owner_id):
        raise Forbidden(f"This token may not read or write {kind} {owner_id}")
