"""Pages ``/screen`` (signed in) and ``/screen/k/<token>`` (kiosk link).

Access is checked in Flask before Dash serves the page (``dashboard.access``);
here the layout only needs to know whose figures it frames.
"""
from __future__ import annotations

import dash
from dash import html

from dashboard import access
from dashboard.screen.layout import screen_layout
from store import get_store


def _layout(token: str | None):
    scope = access.resolve(token)
    if scope is None:  # the link was revoked after the page was requested
        return html.Div("此链接已失效 This screen link is no longer valid.", className="screen-denied")
    settings = get_store().settings
    return screen_layout(token, scope.label, station=scope.station_id is not None,
                         refresh_ms=settings.screen_refresh_ms, map_src=f"{scope.base_url}/map.html",
                         rotate_seconds=settings.screen_rotate_seconds)


def screen_page(**_query):
    return _layout(None)  # never a token from the query string: /screen is the signed-in view


def kiosk_page(token: str | None = None, **_query):
    return _layout(token)


dash.register_page(__name__, path="/screen", title="BuyFree · Big screen", layout=screen_page)
dash.register_page(__name__ + ".kiosk", path_template="/screen/k/<token>", title="BuyFree · Wall",
                   layout=kiosk_page)
