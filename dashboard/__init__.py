"""The Dash app (big screen, console pages) mounted on the Flask server.

One Dash app per process: ``@dash.callback`` registrations are global, so the
app is built on the first ``init_app`` and only re-attached to later Flask
servers (tests build one per session; a second ``create_app`` must not
re-import the pages and register their callbacks twice).
"""
from __future__ import annotations

from pathlib import Path

import dash
import pandas  # noqa: F401  plotly's JSON encoder imports pandas lazily: threads racing through that
#                first import see a half-initialised module ("partially initialized module 'pandas'")
from flask import Flask

from dashboard import access, auth, delivery, errors, hooks
from dashboard.delivery import DashApp
from dashboard.screen import routes

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "dashboard" / "pages"
ASSETS = ROOT / "assets"

_dash_app: dash.Dash | None = None


def build_dash() -> dash.Dash:
    """The process's Dash app, not yet attached to a server."""
    global _dash_app
    if _dash_app is None:
        _dash_app = DashApp(
            __name__, server=False, use_pages=True,
            # Resolved against this module otherwise: point at the top-level folders explicitly.
            pages_folder=str(PAGES), assets_folder=str(ASSETS),
            # vendor/ (Leaflet) and map/ are loaded by the map iframe only, not by every Dash page.
            assets_path_ignore=["vendor", "map"],
            title="BuyFree", update_title=None,  # no "Updating..." title flicker on each refresh
            suppress_callback_exceptions=True,  # pages' ids are not all in the first layout
            serve_locally=True,  # intranet walls have no CDN
        )
        # The pages are Chinese first, English beside it (axe: every page names its language).
        _dash_app.index_string = _dash_app.index_string.replace("<html>", '<html lang="zh-CN">', 1)
    return _dash_app


def init_app(server: Flask) -> dash.Dash:
    """Mount sign-in, the screen guards and the map routes, what the browser downloads, the error pages,
    then Dash; their hooks run for the pages only."""
    api_before = list(server.before_request_funcs.get(None, ()))
    api_after = list(server.after_request_funcs.get(None, ()))
    auth.init_app(server)
    access.init_app(server)
    routes.init_app(server)
    delivery.init_app(server)
    errors.init_app(server)
    app = build_dash()
    ours = list(server.before_request_funcs.get(None, ()))
    app.init_app(server)
    hooks.pages_only(server, api_before, api_after, ours)
    hooks.refuse_stale_callbacks(server, app)  # after the sign-in guard: a stranger still gets its 401
    # Pages are imported once; re-importing them on the next server would register
    # their callbacks again (Dash.enable_pages imports whenever pages_folder is set).
    app.pages_folder = ""
    from dashboard.screen import alerts, callbacks  # noqa: F401  (registers the screen's callbacks once)

    return app
