"""The screen's refresh: thin callbacks over ``analytics.queries``, one per group of slots.

Each tick the browser asks for the figures of the scope behind its own link
(re-checked here: a Dash callback is a plain POST anyone can send). When Redis
or Postgres is down a callback returns ``no_update`` so the wall keeps its last
figures, and the status line says what is wrong instead of a traceback.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from dash import Input, Output, Patch, State, callback, clientside_callback, no_update
from dash.exceptions import PreventUpdate

from analytics import queries
from dashboard import access
from dashboard.screen import format as fmt
from dashboard.screen import ids
from dashboard.screen.changes import only_changed
from dashboard.screen.layout import LIST_ROWS, PERIODS
from dashboard.screen.views import ad_rows, ranking_items, shown_keys, station_items, ticker_items
from store import get_store

log = logging.getLogger(__name__)
PERIOD_KEYS = ("today", "week", "month", "year", "total")
MONEY_IDS = (ids.KPI_TODAY, ids.KPI_WEEK, ids.KPI_MONTH, ids.KPI_YEAR, ids.KPI_TOTAL)
RETAIL_IDS = (ids.RETAIL_TODAY, ids.RETAIL_WEEK, ids.RETAIL_MONTH, ids.RETAIL_YEAR, ids.RETAIL_TOTAL)
HOT_SELLERS, STATIONS, ADS, TICKER = LIST_ROWS["hot"], LIST_ROWS["stations"], LIST_ROWS["ads"], 12
KIND = "wholesale"  # the wall shows station sales (API.md "Pages"; the original notes)


def _scope(context, tick):
    """The screen's scope, or PreventUpdate: signed out, a revoked link, or Postgres down
    (the KPI callback reports the last; the others just keep what they show)."""
    try:
        scope = access.resolve_for_tick((context or {}).get("token"), tick)
    except Exception as exc:
        log.debug("screen scope unavailable: %s", exc)
        raise PreventUpdate from exc
    if scope is None:
        raise PreventUpdate
    return scope


def _unavailable(exc: Exception) -> str:
    name = type(exc).__module__.split(".")[0]
    what = "Redis" if name == "redis" else "数据库 Database" if name in ("sqlalchemy", "psycopg") else "数据 Data"
    return f"{what} 暂不可用 unavailable"


_last_warning = [0.0]


def _warn(exc: Exception) -> None:
    # Every wall asks every 1.5 s: one line a minute is enough to tell an operator.
    if time.monotonic() - _last_warning[0] > 60:
        _last_warning[0] = time.monotonic()
        log.warning("big screen cannot refresh: %s: %s", type(exc).__name__, exc)


def _shown_output():
    return Output(ids.SHOWN, "data", allow_duplicate=True)


def _size_class(text: str) -> str:
    return "kpi-value" + (" longer" if len(text) > 14 else " long" if len(text) > 11 else "")


@callback(
    [Output(i, "children") for i in MONEY_IDS + (ids.KPI_ORDERS, ids.KPI_FLEET, ids.KPI_ACTIVE, ids.LAST_UPDATED,
                                                 ids.STATUS)]
    + [Output(ids.STATUS, "className")] + [Output(i, "className") for i in MONEY_IDS] + [_shown_output()],
    Input(ids.TICK, "n_intervals"), State(ids.CONTEXT, "data"), State(ids.LAST_UPDATED, "children"),
    State(ids.SHOWN, "data"), prevent_initial_call="initial_duplicate",
)
def refresh_kpis(_n, context, last_updated, shown):
    store = get_store()
    try:
        token = (context or {}).get("token")
        scope = access.resolve_for_tick(token, _n)
        if scope is None:  # blank the figures: they are no longer this browser's to see
            why = "此链接已失效 This screen link is no longer valid" if token else "已退出登录 Signed out: sign in again"
            return ["—"] * 8 + [no_update, why, "status status-down"] + [no_update] * 6
        summary = queries.summary(store, scope.scope, KIND)
        if scope.station_id is None:
            devices = queries.device_counts(store)
            fleet = f"{fmt.count(devices['online'])} / {fmt.count(devices['total'])}"
            active = fmt.count(queries.active_drivers(store, "day")["active_drivers"])
        else:
            drivers = queries.screen_drivers(store, station_id=scope.station_id)["features"]
            fleet = fmt.count(sum(f["properties"]["pending_orders"] for f in drivers))
            active = fmt.count(len(drivers))
    except Exception as exc:  # keep the last figures on the wall; say why they are not moving
        _warn(exc)
        since = f" · 数据截至 as of {last_updated}" if last_updated not in (None, "—") else ""
        return [no_update] * 9 + [_unavailable(exc) + since, "status status-down"] + [no_update] * 6
    money = [fmt.money(summary[key]["amount_cents"]) for key in PERIOD_KEYS]
    now = fmt.clock(datetime.now(store.settings.tz))
    # The clock and the status line go every tick; the figures only when they moved.
    figures = list(zip(MONEY_IDS + (ids.KPI_ORDERS, ids.KPI_FLEET, ids.KPI_ACTIVE),
                       money + [fmt.count(summary["today"]["orders"]), fleet, active]))
    figures += [(f"{i}.className", _size_class(text)) for i, text in zip(MONEY_IDS, money)]
    values, marks = only_changed([(name, value, None) for name, value in figures], shown)
    return values[:8] + [now, "", "status status-ok"] + values[8:] + [marks]


@callback([Output(i, "children") for i in RETAIL_IDS] + [_shown_output()], Input(ids.TICK, "n_intervals"),
          State(ids.CONTEXT, "data"), State(ids.SHOWN, "data"), prevent_initial_call="initial_duplicate")
def refresh_retail(_n, context, shown):
    """Passenger (retail) sales under the station-sales tiles: the platform's only (a station sells to drivers)."""
    scope = _scope(context, _n)
    if scope.station_id is not None:
        raise PreventUpdate
    try:
        summary = queries.summary(get_store(), "platform", "retail")
    except Exception:
        return [no_update] * (len(RETAIL_IDS) + 1)
    values, patch = only_changed([(i, fmt.money(summary[key]["amount_cents"]), None)
                                  for i, key in zip(RETAIL_IDS, PERIOD_KEYS)], shown)
    return values + [patch]


# A kiosk has no one to click its period switch: it turns by itself (the Interval is off elsewhere).
clientside_callback(
    """function (n, current) {
        const order = %s;
        return order[(order.indexOf(current) + 1) %% order.length];
    }""" % [value for value, _ in PERIODS],
    Output(ids.HOT_PERIOD, "value"), Input(ids.ROTATE, "n_intervals"), State(ids.HOT_PERIOD, "value"),
    prevent_initial_call=True,
)


@callback(Output(ids.SALES_7D, "figure"), _shown_output(), Input(ids.TICK, "n_intervals"),
          State(ids.CONTEXT, "data"), State(ids.SHOWN, "data"), prevent_initial_call="initial_duplicate")
def refresh_chart(_n, context, shown):
    scope = _scope(context, _n)
    try:
        points = queries.daily_series(get_store(), scope.scope, KIND, days=7)["points"]
    except Exception:
        return no_update, no_update
    # A Patch sends only the data; the layout (and the viewer's zoom, via uirevision) stays.
    patch = Patch()
    patch["data"][0]["x"] = [p["date"][5:] for p in points]
    patch["data"][0]["y"] = [p["amount_cents"] / 100 for p in points]  # plot scale only; labels stay exact
    patch["data"][0]["text"] = [fmt.money_short(p["amount_cents"]) if p["amount_cents"] else "" for p in points]
    (figure,), marks = only_changed([(ids.SALES_7D, patch, points)], shown)
    return figure, marks


@callback(
    Output(ids.HOT_SELLERS, "children"), _shown_output(),
    Input(ids.TICK, "n_intervals"), Input(ids.HOT_PERIOD, "value"), State(ids.CONTEXT, "data"),
    State(ids.SHOWN, "data"), prevent_initial_call="initial_duplicate",
)
def refresh_hot_sellers(_n, period, context, shown):
    scope = _scope(context, _n)
    try:
        ranking = queries.product_ranking(get_store(), KIND, period or "day", station_id=scope.station_id,
                                          by="amount", limit=HOT_SELLERS)
    except Exception:
        return no_update, no_update
    (items,), marks = only_changed([(ids.HOT_SELLERS, ranking_items(ranking["items"]), None)], shown)
    return items, marks


@callback(
    Output(ids.STATION_RANKING, "children"), Output(ids.AD_STATS, "children"), Output(ids.TICKER, "children"),
    Output(ids.QUEUE_FEED, "data"), _shown_output(),
    Input(ids.TICK, "n_intervals"), State(ids.CONTEXT, "data"), State(ids.TICKER, "children"),
    State(ids.SHOWN, "data"), prevent_initial_call="initial_duplicate",
)
def refresh_lists(_n, context, ticker_now, shown):
    scope = _scope(context, _n)
    store = get_store()
    out = []
    for read in (
        lambda: station_items(queries.station_ranking(store, "day", limit=100 if scope.station_id else STATIONS)["items"],
                              only=scope.station_id),
        lambda: ad_rows(queries.ad_stats(store, "day", limit=ADS)["items"]),
        lambda: ticker_items(queries.latest_sales(store, limit=TICKER, station_id=scope.station_id), store.settings.tz,
                             shown=shown_keys(ticker_now)),
        # The queue is drawn in the browser from this feed, as from the stream's (assets/screen-live.js).
        lambda: {"features": queries.screen_drivers(store, station_id=scope.station_id)["features"]}
        if scope.station_id else no_update,
    ):
        try:  # each slot on its own: one failing query must not blank the others
            out.append(read())
        except Exception as exc:
            log.debug("screen list refresh failed: %s", exc)
            out.append(no_update)
    names = (ids.STATION_RANKING, ids.AD_STATS, ids.TICKER, ids.QUEUE_FEED)
    values, marks = only_changed([(name, value, None) for name, value in zip(names, out)], shown)
    return values + [marks]

