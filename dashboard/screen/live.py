"""The wall from the live stream: assets/live.js puts each event in a store, and clientside
callbacks (assets/screen-live.js) draw the same slots the refresh callbacks draw, in the browser.
A station's pickup queue is drawn in the browser only: the refresh callback sends it the drivers
feed (``ids.QUEUE_FEED``), the stream's ``drivers`` events the same feed.

While the stream is live the refresh tick is off: no request per wall per tick. When it drops the
status says "reconnecting" and the tick comes back, slowly (at least every 10 s): the refresh
callbacks (dashboard/screen/callbacks.py) are the fallback poll, and they also blank a revoked
link. The map's layer stops polling its feed while ``drivers`` events move its markers.
"""
from __future__ import annotations

import json

from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html

from dashboard.screen import ids

FIGURES, SALES, DRIVERS = "screen-live-figures", "screen-live-sales", "screen-live-drivers"
STATUS = ids.LIVE_STATUS
MARK = "screen-live"
REFRESH = "screen-live-refresh"  # the wall's refresh interval (ms), for the fallback's pace
MONEY_IDS = (ids.KPI_TODAY, ids.KPI_WEEK, ids.KPI_MONTH, ids.KPI_YEAR, ids.KPI_TOTAL)
RETAIL_IDS = (ids.RETAIL_TODAY, ids.RETAIL_WEEK, ids.RETAIL_MONTH, ids.RETAIL_YEAR, ids.RETAIL_TOTAL)


def components(token: str | None, station: bool, refresh_ms: int) -> list:
    """The stream's marker and stores, for the wall's layout."""
    url = "/api/v1/stream" + (f"?kiosk={token}" if token else "")
    targets = {"figures": FIGURES, "sales": SALES, "drivers": DRIVERS, "status": STATUS, "alert": ids.LIVE_ALERTS}
    return [html.Span(id=MARK, hidden=True, **{"data-stream-url": url, "data-stream-targets": json.dumps(targets)}),
            dcc.Store(id=FIGURES), dcc.Store(id=SALES), dcc.Store(id=DRIVERS), dcc.Store(id=STATUS),
            dcc.Store(id=ids.QUEUE_FEED),
            dcc.Store(id=ids.LIVE_ALERTS), dcc.Store(id=ids.STRIP_STATE),  # the alert strip's (screen.alerts)
            dcc.Store(id=REFRESH, data={"ms": refresh_ms, "station": station})]


def _out(dom_id: str, prop: str = "children") -> Output:
    return Output(dom_id, prop, allow_duplicate=True)


clientside_callback(
    "function (status, refresh, n) { return window.dash_clientside.bfScreen.status(status, (refresh || {}).ms || 1500, n); }",
    Output(ids.TICK, "disabled"), Output(ids.TICK, "interval"), Output(ids.TICK, "n_intervals"), _out(ids.STATUS),
    _out(ids.STATUS, "className"),
    Input(STATUS, "data"), State(REFRESH, "data"), State(ids.TICK, "n_intervals"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("bfScreen", "figures"),
    [_out(i) for i in MONEY_IDS + (ids.KPI_ORDERS, ids.KPI_FLEET, ids.KPI_ACTIVE, ids.LAST_UPDATED)]
    + [_out(i, "className") for i in MONEY_IDS] + [_out(ids.SALES_7D, "figure")],
    Input(FIGURES, "data"), *[State(i, "children") for i in MONEY_IDS], State(ids.SALES_7D, "figure"),
    prevent_initial_call=True,
)
clientside_callback(  # passenger sales under the tiles (the platform's figures carry ``retail``)
    ClientsideFunction("bfScreen", "retail"),
    [_out(i) for i in RETAIL_IDS], Input(FIGURES, "data"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("bfScreen", "lists"),
    _out(ids.HOT_SELLERS), _out(ids.STATION_RANKING), _out(ids.AD_STATS),
    Input(FIGURES, "data"), Input(ids.HOT_PERIOD, "value"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("bfScreen", "sales"),
    _out(ids.TICKER), Input(SALES, "data"), State(ids.TICKER, "children"), prevent_initial_call=True,
)
clientside_callback(
    "function (feed, refresh) { return window.dash_clientside.bfScreen.drivers(feed, (refresh || {}).station); }",
    _out(ids.PICKUP_QUEUE), _out(ids.KPI_FLEET), _out(ids.KPI_ACTIVE),
    Input(DRIVERS, "data"), State(REFRESH, "data"), prevent_initial_call=True,
)
clientside_callback(  # the same drawing for the first load and the fallback poll (the feed they read)
    ClientsideFunction("bfScreen", "queueFeed"),
    _out(ids.PICKUP_QUEUE), Input(ids.QUEUE_FEED, "data"), prevent_initial_call=True,
)
