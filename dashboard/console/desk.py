"""``/console``: the station today — KPIs, the 7-day series, hot sellers, and the pickup queue.

Pickup and cancel call the same ingest use cases as the API
(``ingest.replenishments.pickup`` / ``cancel_order``) with the signed-in
user as the actor, so the station check of the use case applies here too;
a cancel's events go to the live figures at once, and the desk refreshes.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics import queries
from analytics.queries import desk
from dashboard import auth
from dashboard.console import ids, shell
from dashboard.screen.format import clock, count, money
from ingest import replenishments
from ingest.errors import Forbidden, IngestError
from store import get_store

log = logging.getLogger(__name__)
KIND = "wholesale"  # a station's sales are its replenishment orders
FALLBACK_MS = 15_000  # polled only while the live stream is down (assets/live.js says so)
# The stream (the session's own scope: a manager's station, an admin's platform) feeds one store;
# each change of it refreshes the desk. The ticker's lines are no news here: the figures carry them.
LIVE_TARGETS = json.dumps({"figures": ids.LIVE, "drivers": ids.LIVE, "status": ids.LIVE_STATUS})


def _kpi(dom_id: str, label: str) -> html.Div:
    return html.Div([html.Div(label, className="c-kpi-label"), html.Div("—", id=dom_id, className="c-kpi-value")],
                    className="c-kpi")


def layout(**_query):
    user, refusal = shell.signed_in_or_notice("/console")
    if refusal:
        return refusal
    return shell.frame(
        user, "/console",
        html.Div([html.H1("今日 Today"), shell.station_picker(ids.DESK_STATION, user),
                  html.Span("—", id=ids.UPDATED, className="c-updated"),
                  html.Span("连接中 Connecting…", id=ids.LIVE_STATE, className="c-live", role="status",
                            **{"data-stream-url": "/api/v1/stream", "data-stream-targets": LIVE_TARGETS})],
                 className="c-page-head"),
        html.Div([_kpi(ids.KPI_AMOUNT, "今日销售额 Sales today"), _kpi(ids.KPI_ORDERS, "今日订单 Orders today"),
                  _kpi(ids.KPI_AWAITING, "待取货 Awaiting pickup"), _kpi(ids.KPI_PICKED, "今日已取货 Picked up today")],
                 className="c-kpis"),
        html.Div([
            html.Section([html.H2("近7日 Last 7 days"),
                          # The box keeps the chart's height while plotly loads: the queue below must not jump.
                          html.Div(dcc.Graph(id=ids.SALES_7D, config={"displayModeBar": False}, style={"height": "260px"}),
                                   className="c-chart")],
                         className="c-panel"),
            html.Section([html.H2("今日热销 Hot sellers today"), html.Ol(id=ids.HOT_SELLERS, className="c-ranking")],
                         className="c-panel"),
        ], className="c-panels"),
        html.Section([html.H2(["待取货订单 Orders awaiting pickup ", html.Span(id=ids.QUEUE_COUNT)]),
                      html.Div(id=ids.ACTION_STATUS, className="c-action-status", role="status"),
                      html.Div(id=ids.QUEUE)], className="c-panel"),
        dcc.Interval(id=ids.TICK, interval=FALLBACK_MS, disabled=True),
        dcc.Store(id=ids.ACTION, data=0), dcc.Store(id=ids.LIVE), dcc.Store(id=ids.LIVE_STATUS),
    )


def _figures(store, station_id: int | None) -> tuple[list, go.Figure, list]:
    """Redis-backed figures; on failure the desk still works (the queue is Postgres)."""
    scope = "platform" if station_id is None else f"station:{station_id}"
    summary = queries.summary(store, scope, KIND)
    series = queries.daily_series(store, scope, KIND, days=7)
    hot = queries.product_ranking(store, KIND, "day", station_id=station_id, limit=10)
    figure = week_chart(series["points"])
    items = [html.Li([html.Span(i["name"], className="c-name"), html.Span(f"{count(i['units'])} 件", className="c-units"),
                      html.Span(money(i["amount_cents"]), className="c-amount")]) for i in hot["items"]]
    return [money(summary["today"]["amount_cents"]), count(summary["today"]["orders"])], figure, \
        items or [html.Li("暂无 None yet", className="c-empty")]


def week_chart(points: list[dict]) -> go.Figure:
    """The 7-day bars. The ``MM-DD`` labels are categories: as dates plotly would spread them over years."""
    figure = go.Figure(go.Bar(x=[p["date"][5:] for p in points], y=[p["amount_cents"] / 100 for p in points],
                              text=[money(p["amount_cents"]) if p["amount_cents"] else "" for p in points],
                              textposition="outside", cliponaxis=False, marker_color="#0369a1",
                              hovertemplate="%{x}<br>%{text}<extra></extra>"))
    figure.update_layout(margin=dict(l=56, r=10, t=24, b=30), plot_bgcolor="white", uirevision="keep",
                         xaxis=dict(type="category"), yaxis=dict(tickprefix="¥", rangemode="tozero", gridcolor="#e2e8f0"),
                         font=dict(color="#334155"))
    return figure


def _queue_table(rows: list[dict], tz, show_station: bool) -> html.Table | html.P:
    if not rows:
        return html.P("没有待取货订单 No orders are waiting.", className="c-empty")
    head = ["下单时间 Ordered", "订单 Order"] + (["站点 Station"] if show_station else []) + \
        ["司机 Driver", "车牌 Plate", "商品 Items", "金额 Total", ""]
    body = []
    for row in rows:
        order_id = row["id"]
        cells = [row["created_at"].astimezone(tz).strftime("%m-%d %H:%M"), order_id]
        cells += [row["station_name"]] if show_station else []
        cells += [row["driver_name"], row["car_plate"], row["items"] or "", money(row["total_cents"])]
        actions = html.Td([
            html.Button("取货 Pickup", id={"type": ids.PICKUP, "order": order_id}, n_clicks=0, className="c-btn c-ok"),
            dcc.ConfirmDialogProvider(
                html.Button("取消 Cancel", className="c-btn c-danger"), id={"type": ids.CANCEL, "order": order_id},
                message=f"取消订单 {order_id}？库存和货款将退回。Cancel this order? Stock and money go back."),
        ], className="c-actions")
        body.append(html.Tr([html.Td(c) for c in cells] + [actions], id=f"queue-row-{order_id}",
                            className="c-queue-row"))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], className="c-table")


@callback(
    [Output(i, "children") for i in (ids.KPI_AMOUNT, ids.KPI_ORDERS, ids.KPI_AWAITING, ids.KPI_PICKED,
                                     ids.HOT_SELLERS, ids.QUEUE, ids.QUEUE_COUNT, ids.UPDATED)]
    + [Output(ids.SALES_7D, "figure")],
    Input(ids.TICK, "n_intervals"), Input(ids.ACTION, "data"), Input(ids.DESK_STATION, "value"),
    Input(ids.LIVE, "data"),
)
def refresh(_tick, _action, station_value, _live):
    station_id = shell.scope_of(station_value)
    store = get_store()
    counts = desk.desk_counts(store, station_id)
    queue = desk.pickup_queue(store, station_id)
    try:
        (amount, orders), figure, hot = _figures(store, station_id)
    except Exception as exc:  # Redis down: show dashes, keep the queue working
        log.warning("console figures unavailable: %s", exc)
        amount = orders = "—"
        figure, hot = no_update, [html.Li("暂不可用 Unavailable", className="c-empty")]
    tz = store.settings.tz
    return [amount, orders, count(counts["awaiting"]), count(counts["picked_up_today"]), hot,
            _queue_table(queue, tz, show_station=station_id is None), f"({count(len(queue))})",
            f"更新于 Updated {clock(datetime.now(tz))}", figure]


def actor():
    """The signed-in user as the use cases' actor: an admin, or the manager's station."""
    station_id = auth.current_station_scope()
    return replenishments.Actor("admin") if station_id is None else replenishments.Actor("station", station_id)


@callback(
    Output(ids.ACTION, "data"), Output(ids.ACTION_STATUS, "children"),
    Input({"type": ids.PICKUP, "order": ALL}, "n_clicks"),
    Input({"type": ids.CANCEL, "order": ALL}, "submit_n_clicks"),
    State(ids.ACTION, "data"),
    prevent_initial_call=True,
)
def act(_pickups, _cancels, done):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # buttons (re)drawn by a refresh, not clicked
    who, order_id, store = actor(), str(trigger["order"]), get_store()
    try:
        if trigger["type"] == ids.PICKUP:
            _order, events = replenishments.pickup(store, order_id, who)
            store.committed.publish(events)  # the queue and the maps drop the order now
            message = f"订单 {order_id} 已取货 picked up."
        else:
            _order, events = replenishments.cancel_order(store, order_id, who)
            store.committed.publish(events)  # the figures drop now, not at the next outbox replay
            message = f"订单 {order_id} 已取消 cancelled."
    except Forbidden:
        raise  # another station's order: a 403 for the request, never a hint
    except IngestError as exc:  # a conflict (already cancelled, several devices): say it on the desk
        return (done or 0) + 1, html.Span(exc.detail, className="c-error")
    return (done or 0) + 1, html.Span(message, className="c-ok")


# In the browser: while the stream is live the fallback poll is off; the desk says which it is.
clientside_callback(
    """function (status) {
        var state = (status || {}).state;
        if (state === "reconnecting") return [false, "重新连接中 Reconnecting…", "c-live c-live-down"];
        if (state === "live") return [true, "实时 Live", "c-live c-live-up"];
        return [true, "连接中 Connecting…", "c-live"];
    }""",
    Output(ids.TICK, "disabled"), Output(ids.LIVE_STATE, "children"), Output(ids.LIVE_STATE, "className"),
    Input(ids.LIVE_STATUS, "data"),
)
