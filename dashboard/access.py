"""Who may see which screen: signed-in users, kiosk links, and Dash's catch-all.

The checks run in Flask before Dash renders anything, so a revoked or unknown
kiosk link gets a real 404 and ``/screen`` a redirect to ``/login``. The
screen's callbacks resolve the same scope again on every refresh (a Dash
callback is a plain POST that anyone could send), once per tick for all of them
(``resolve_for_tick``).
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import quote

from flask import Flask, abort, current_app, redirect, request
from sqlalchemy import select

from store import get_store
from store.models import Screen, Station
from store.tokens import hash_token

KIOSK_PATH = re.compile(r"^/screen/k/(?P<token>[^/]+)/?$")
LOGIN_URL = "/login"


@dataclass(frozen=True)
class ScreenScope:
    """What one screen shows: the platform, or one station."""
    station_id: int | None = None
    station_name: str | None = None
    token: str | None = None  # set for kiosk links: the map's URLs carry it

    @property
    def scope(self) -> str:
        return "platform" if self.station_id is None else f"station:{self.station_id}"

    @property
    def label(self) -> str:
        return self.station_name or "全平台 Platform"

    @property
    def base_url(self) -> str:
        """Prefix of this screen's own routes (map iframe, driver feed)."""
        return f"/screen/k/{self.token}" if self.token else "/screen"


def signed_in() -> bool:
    # Flask-Login is set up by dashboard.auth (the console's sign-in); without it nobody is signed in.
    if getattr(current_app, "login_manager", None) is None:
        return False
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


def kiosk_scope(token: str) -> ScreenScope | None:
    """The scope of a live kiosk link, or None when unknown or revoked (the row is gone)."""
    if not token or len(token) > 200:
        return None
    with get_store().sessions() as session:
        row = session.execute(
            select(Screen.station_id, Station.name).outerjoin(Station, Station.id == Screen.station_id)
            .where(Screen.token_hash == hash_token(token))).first()
    if row is None:
        return None
    return ScreenScope(station_id=row.station_id, station_name=row.name, token=token)


def resolve(token: str | None) -> ScreenScope | None:
    """The scope for a screen request: a kiosk token, else the signed-in user's platform view."""
    if token:
        return kiosk_scope(token)
    if signed_in():
        # A station manager signed in sees their own station's wall.
        from flask_login import current_user

        station_id = getattr(current_user, "station_id", None)
        if getattr(current_user, "role", "admin") != "admin" and station_id:
            with get_store().sessions() as session:
                name = session.scalar(select(Station.name).where(Station.id == station_id))
            return ScreenScope(station_id=station_id, station_name=name)
        return ScreenScope()
    return None


TICK_SECONDS = 2.0  # a tick's answer is reused this long at most: a revoked link blanks within it
TICK_ENTRIES = 1024
_tick_lock = threading.Lock()


def resolve_for_tick(token: str | None, tick) -> ScreenScope | None:
    """``resolve`` once per refresh tick: a wall's callbacks of one tick (one POST each) share the
    lookup instead of asking Postgres each. ``tick`` is the browser's interval count; it is the
    client's to send, so an answer also expires after ``TICK_SECONDS``."""
    if tick is None:
        return resolve(token)
    if token:
        who = ("k", token)
    elif signed_in():
        from flask_login import current_user

        who = ("u", current_user.get_id())
    else:
        return None
    store = get_store()
    with _tick_lock:
        if store.screen_scopes is None:
            store.screen_scopes = OrderedDict()
        found = store.screen_scopes.get((who, tick))
    now = time.monotonic()
    if found is not None and now - found[0] < TICK_SECONDS:
        return found[1]
    scope = resolve(token)  # raises when Postgres is down: nothing remembered
    with _tick_lock:
        store.screen_scopes[(who, tick)] = (now, scope)
        while len(store.screen_scopes) > TICK_ENTRIES:
            store.screen_scopes.popitem(last=False)
    return scope


def _dash_page_exists(path: str) -> bool:
    from dash._pages import _path_to_page

    page, _ = _path_to_page(path.strip("/"))
    return bool(page)


def guard():
    """``before_request``: protect the screen, refuse dead kiosk links, keep Dash off unknown paths."""
    path = request.path
    if path.rstrip("/") == "/screen":
        if not signed_in():
            return redirect(f"{LOGIN_URL}?next={quote(path)}")
        return None
    match = KIOSK_PATH.match(path)
    if match:
        if kiosk_scope(match["token"]) is None:
            abort(404, description="此大屏链接不存在或已撤销 This wall link is unknown or has been revoked.")
        return None
    rule = request.url_rule
    # Dash answers every unknown GET with its index page; only real pages may get it.
    if rule is not None and rule.rule in ("/", "/<path:path>") and rule.endpoint in ("/", "/<path:path>"):
        if path == "/" and not _dash_page_exists("/"):
            return redirect("/screen")
        if not _dash_page_exists(path):
            abort(404)
    return None


def init_app(server: Flask) -> None:
    server.before_request(guard)
