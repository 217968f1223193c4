"""Bearer tokens: admin, station, driver, device (API.md "Auth")."""
from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass

from flask import current_app, g, request, session
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


def session_principal() -> Principal | None:
    """The console user signed in on this browser as a principal (Flask-Login is set up by the dashboard):
    an admin user acts as ``admin``, a station manager as their station."""
    if getattr(current_app, "login_manager", None) is None:
        return None
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    if current_user.role == "admin":
        return Principal("admin")
    if current_user.station_id is None:
        raise Forbidden("This account has no station")
    return Principal("station", current_user.station_id)


SESSION_CSRF_KEY = "_csrf"  # where dashboard.auth keeps the session's form token


def token_or_session(allowed: tuple[str, ...], *, csrf: bool = False) -> Principal:
    """A bearer token when one is sent, else the console session (the console's links and uploads).

    ``csrf``: a write made with the session must carry the session's form token in
    ``X-CSRF-Token`` (a cross-site page can send a multipart form with the cookie, not a header)."""
    if request.headers.get("Authorization"):
        return authenticate(allowed)
    principal = session_principal()
    if principal is not None and csrf:
        sent, expected = request.headers.get("X-CSRF-Token", ""), session.get(SESSION_CSRF_KEY) or ""
        if not (sent and expected and hmac.compare_digest(sent, expected)):
            raise Forbidden("Send the console's form token in the X-CSRF-Token header")
    if principal is None:
        raise Unauthorized("Send `Authorization: Bearer <token>` or sign in to the console",
                           headers={"WWW-Authenticate": "Bearer"})
    if principal.kind not in allowed:
        raise Forbidden(f"A {principal.kind} account may not do this")
    g.principal = principal
    return principal


def current_principal() -> Principal:
    return g.principal


def require_owner(principal: Principal, kind: str, owner_id: int) -> None:
    """403 when a station or driver token reaches for another owner's data."""
    if not principal.owns(kind, owner_id):
        raise Forbidden(f"This token may not read or write {kind} {owner_id}")
