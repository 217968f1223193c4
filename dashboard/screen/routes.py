"""Plain Flask routes of the screen: the map document (in an iframe) and its driver feed.

The map lives in its own document so that Dash never re-renders it: Leaflet
keeps its tiles and zoom, and only the driver layer moves (folium's
``Realtime`` polls the feed). The feed sits beside the page it serves, so a
kiosk browser is authorised by its link and a signed-in one by its session —
neither can send the API's bearer tokens.
"""
from __future__ import annotations

from flask import Flask, Response, abort, jsonify

from dashboard.access import resolve
from store import get_store


def _scope_or_404(token: str | None):
    scope = resolve(token)
    if scope is None:
        abort(404 if token else 401)
    return scope


def map_page(token: str | None = None):
    from dashboard.screen.map import render_map

    scope = _scope_or_404(token)
    html = render_map(get_store(), scope)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


def drivers_feed(token: str | None = None):
    scope = _scope_or_404(token)
    from analytics import queries  # after the check: a dead link never reaches the figures

    feed = queries.screen_drivers(get_store(), station_id=scope.station_id)
    response = jsonify(feed)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(server: Flask) -> None:
    server.add_url_rule("/screen/map.html", "screen_map", map_page)
    server.add_url_rule("/screen/k/<token>/map.html", "kiosk_map", map_page)
    server.add_url_rule("/screen/drivers.json", "screen_drivers", drivers_feed)
    server.add_url_rule("/screen/k/<token>/drivers.json", "kiosk_drivers", drivers_feed)
