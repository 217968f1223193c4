"""What a live screen shows of one scope, in one reply: the stream's ``figures`` event and the
screen's fallback poll are the same dict (API.md "Live stream"), each part in its query's shape.

A screen's scope is the platform or one station; its sales figures are station sales
(``kind=wholesale``, API.md "Pages"). A station's reply holds only that station's figures:
its own row of the station ranking, never the others'.
"""
from __future__ import annotations

from analytics.periods import PERIODS
from analytics.queries.common import as_of
from analytics.queries.figures import daily_series, summary
from analytics.queries.fleet import active_drivers, device_counts
from analytics.queries.places import screen_drivers
from analytics.queries.rankings import ad_stats, product_ranking, station_ranking
from analytics.queries.scopes import parse

KIND = "wholesale"
PRODUCTS, STATIONS, ADS = 10, 10, 5  # rows the wall and the desk show at most
ALL_STATIONS = 100  # a station finds its own rank in the top 100 (below that it shows no rank)


def screen_figures(store, scope) -> dict:
    """``{"scope", "kind", "as_of", "summary", "series", "products": {period: ranking}, "stations",
    "ads", "retail", "fleet"}``; ``retail`` (the passenger sales' summary) and ``fleet`` (devices
    online, active drivers) only for the platform."""
    scope = parse(scope)
    station_id = scope.id if scope.kind == "station" else None
    if scope.kind not in ("platform", "station"):
        raise ValueError(f"a screen shows the platform or a station, not {scope.name}")
    stations = station_ranking(store, "day", limit=ALL_STATIONS if station_id else STATIONS)
    if station_id is not None:
        stations["items"] = [row for row in stations["items"] if row["station_id"] == station_id]
    body = {
        "scope": scope.name, "kind": KIND, "as_of": as_of(store),
        "summary": summary(store, scope, KIND),
        "series": daily_series(store, scope, KIND, days=7),
        "products": {period: product_ranking(store, KIND, period, station_id=station_id, limit=PRODUCTS)
                     for period in PERIODS},
        "stations": stations,
        "ads": ad_stats(store, "day", limit=ADS),
    }
    if station_id is None:
        body["retail"] = summary(store, scope, "retail")  # passenger sales, the platform's only
        devices = device_counts(store)
        body["fleet"] = {"devices_online": devices["online"], "devices_total": devices["total"],
                         "active_drivers": active_drivers(store, "day")["active_drivers"]}
    return body


def screen_map(store, scope) -> dict:
    """The stream's ``drivers`` event: ``GET /screen/drivers`` of the scope. A station's features
    name only that station in ``station_ids`` (the others' are not its business)."""
    scope = parse(scope)
    station_id = scope.id if scope.kind == "station" else None
    feed = screen_drivers(store, station_id=station_id)
    if station_id is not None:
        for feature in feed["features"]:
            feature["properties"]["station_ids"] = [station_id]
    return feed
