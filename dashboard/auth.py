"""Console sign-in (Flask-Login) and the station scope every console page and callback checks.

- ``/login``: a server-rendered form (``username``, ``password``), CSRF token
  kept in the session, attempts limited per address and per address+username.
- Sessions are permanent cookies (settings from ``config.init_app``) with an
  absolute lifetime of ``session_hours`` counted from sign-in: Flask renews
  the cookie on every request, so without our own clock a busy console would
  never sign out.
- ``require_station``: admins see every station; a manager only their own,
  and asking for another station's id is a 403, never data.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

from flask import Flask, abort, current_app, has_request_context, redirect, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard import login_page
from dashboard.ratelimit import AttemptLimiter, key
from store import get_store
from store.models import User
from stream import rights

log = logging.getLogger(__name__)
LOGIN_PATH, LOGOUT_PATH, HOME = "/login", "/logout", "/console"
CONSOLE_PREFIX = "/console"
ADMIN_ONLY = ("/console/devices", "/console/ads")
ADDRESS_FACTOR = 5  # one address may try several usernames, but not spray them
CSRF_FIELD, CSRF_KEY, SIGNED_IN_AT, SESSION_ID = "csrf_token", "_csrf", "signed_in_at", "sid"


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in user as Flask-Login sees it (a plain value, never a live ORM row)."""
    id: int
    username: str
    role: str
    station_id: int | None

    is_authenticated, is_active, is_anonymous = True, True, False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return str(self.id)


def _load_user(user_id: str) -> ConsoleUser | None:
    signed_in_at = session.get(SIGNED_IN_AT)
    hours = get_store().settings.session_hours
    if not isinstance(signed_in_at, (int, float)) or time.time() - signed_in_at > hours * 3600:
        session.clear()  # expired (or from before this scheme): sign in again
        return None
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return None
    with get_store().sessions() as db:
        row = db.get(User, uid)
        if row is None:  # a deleted user loses access at once
            return None
        return ConsoleUser(row.id, row.username, row.role, row.station_id)


# scope ----------------------------------------------------------------------

def console_user() -> ConsoleUser | None:
    """The signed-in user or None (outside a request, or signed out): for layouts that show a notice."""
    if not has_request_context() or getattr(current_app, "login_manager", None) is None:
        return None
    user = current_user._get_current_object()
    return user if isinstance(user, ConsoleUser) else None


def signed_in_user() -> ConsoleUser:
    """The signed-in user, or 401 (a callback POSTed without a session)."""
    user = console_user()
    if user is None:
        abort(401, description="Sign in first")
    return user


def current_station_scope() -> int | None:
    """None for an admin (every station); the manager's own station id otherwise."""
    user = signed_in_user()
    if user.is_admin:
        return None
    if user.station_id is None:  # a manager without a station sees nothing
        abort(403, description="This account has no station")
    return user.station_id


def require_station(station_id: int | str | None) -> int | None:
    """The station a request may read: the one asked for (admin), the manager's own, or 403."""
    scope = current_station_scope()
    asked = _as_id(station_id)
    if scope is None:
        return asked
    if asked is not None and asked != scope:
        abort(403, description=f"You may not see station {asked}")
    return scope


def require_admin() -> ConsoleUser:
    user = signed_in_user()
    if not user.is_admin:
        abort(403, description="Admins only")
    return user


def _as_id(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(403, description="Not a station id")  # a tampered value gets no data, not a 500


# CSRF -------------------------------------------------------------------------

def csrf_token() -> str:
    """This session's form token (created on first use)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(CSRF_KEY) or ""
    return bool(sent and expected) and hmac.compare_digest(sent, expected)


# redirects --------------------------------------------------------------------

def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//evil``, ``/\\evil``, ``https://evil`` or control characters."""
    if not target or any(ord(c) < 32 for c in target):
        return HOME
    cleaned = target.replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return HOME
    return cleaned


# views --------------------------------------------------------------------------

_DUMMY_HASH: str | None = None


def _check_password(row: User | None, password: str) -> bool:
    """Verify the hash; for an unknown name verify a dummy so the time taken does not tell."""
    global _DUMMY_HASH
    if row is None:
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(row.password_hash, password)


def login_view():
    target = safe_next(request.args.get("next"))
    action = LOGIN_PATH + (f"?next={quote(target)}" if target != HOME else "")
    if request.method == "GET":
        return login_page.login(action, csrf_token())
    username = (request.form.get("username") or "").strip()[:64]
    password = (request.form.get("password") or "")[:256]
    if not _csrf_ok():
        return login_page.login(action, csrf_token(), username, "表单已过期，请重试 The form expired; try again", 400)
    store = get_store()
    limiter = AttemptLimiter(store.redis, store.settings.login_attempts_per_minute)
    address = request.remote_addr or "-"
    pair = key("pair", address, username.lower())
    if not (limiter.hit(pair) and limiter.hit(key("addr", address), limiter.limit * ADDRESS_FACTOR)):
        return login_page.message("请稍后再试 Try again later",
                                  "尝试次数过多，请一分钟后再试 Too many sign-in attempts; wait a minute.",
                                  429, {"Retry-After": str(limiter.window)})
    with store.sessions() as db:
        row = db.scalar(select(User).where(User.username == username)) if username else None
        ok = _check_password(row, password)
        user = ConsoleUser(row.id, row.username, row.role, row.station_id) if ok else None
    if user is None:
        return login_page.login(action, csrf_token(), username, "用户名或密码错误 Wrong username or password", 401)
    limiter.reset(pair)
    session.clear()  # a fresh session: nothing set before sign-in survives it (fixation)
    session.permanent = True
    session[SIGNED_IN_AT] = time.time()
    session[SESSION_ID] = secrets.token_urlsafe(16)  # names this sign-in: its sign-out ends its live streams
    login_user(user)
    csrf_token()
    with store.transaction() as db:
        db.execute(update(User).where(User.id == user.id).values(last_login_at=datetime.now(timezone.utc)))
    return redirect(target)


def logout_view():
    if request.method == "GET":
        return login_page.logout(csrf_token())
    if not _csrf_ok():
        return login_page.message("退出 Sign out", "表单已过期，请重试 The form expired; try again", 400)
    _end_live_streams()
    logout_user()
    session.clear()
    return redirect(LOGIN_PATH)


def _end_live_streams() -> None:
    """A signed cookie cannot be taken back: the sign-out is recorded for the live streams it opened."""
    signed_in_at, sid = session.get(SIGNED_IN_AT), session.get(SESSION_ID)
    if not sid or not isinstance(signed_in_at, (int, float)):
        return
    store = get_store()
    left = signed_in_at + store.settings.session_hours * 3600 - time.time()
    try:
        rights.sign_out(store, sid, int(left) + 1)
    except Exception as exc:  # Redis away: the sign-out still happens; open streams end when they expire
        log.warning("sign-out not recorded for live streams: %s", exc)


def guard():
    """``before_request``: console pages need a session (admins only for devices).

    Dash's callback POSTs need no form token: they are JSON bodies (a cross-site
    form cannot send one without a CORS preflight, which this server never
    grants) and the session cookie is SameSite=Lax; each callback re-checks scope.
    """
    path = request.path
    if path != CONSOLE_PREFIX and not path.startswith(CONSOLE_PREFIX + "/"):
        return None
    if not current_user.is_authenticated:
        return redirect(f"{LOGIN_PATH}?next={quote(request.full_path.rstrip('?'))}")
    if path.rstrip("/") in ADMIN_ONLY and not current_user.is_admin:
        abort(403, description="此页面仅限管理员 This page is for admins only.")
    return None


def init_app(server: Flask) -> LoginManager:
    manager = LoginManager()
    manager.user_loader(_load_user)
    manager.session_protection = "basic"
    manager.init_app(server)
    server.add_url_rule(LOGIN_PATH, "login", login_view, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "logout", logout_view, methods=["GET", "POST"])
    server.before_request(guard)
    return manager

