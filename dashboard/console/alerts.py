"""``/console/alerts``: the open alerts of the manager's station (every alert for an admin), newest
first, each with an acknowledge button; the menu's badge counts them (``shell.frame``). The list is
read again when the page's stream brings an alert message or comes back after a gap, so an alert
opened or resolved elsewhere shows without a reload."""
from __future__ import annotations

from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from analytics import alerts
from analytics.alerts import table
from analytics.errors import AnalyticsError
from dashboard import auth
from dashboard.console import ids, shell
from store import get_store

KIND_LABELS = {
    "device_offline": "设备离线 Device offline", "device_stock_out": "设备缺货 Device sold out",
    "device_stock_low": "设备库存低 Device stock low", "station_stock_low": "站点库存低 Station stock low",
    "no_sales": "无销售 No sales", "pickup_overdue": "取货超时 Pickup overdue",
    "payment_mismatch": "支付不符 Payment mismatch",
}
SEVERITY_LABELS = {"critical": "严重 Critical", "warning": "警告 Warning", "info": "提示 Info"}
SHOWN = 100


def open_alerts(station_id: int | None) -> list[dict]:
    store = get_store()
    with store.sessions() as session:
        page = table.page(session, store.settings.tz, status=None, kind=None, station_id=station_id,
                          page=1, per_page=SHOWN, unresolved=True)
    return page["items"]


def describe(alert: dict) -> str:
    detail = alert["detail"] or {}
    skus = ", ".join(f"{s['sku']} ({s['quantity']})" for s in detail.get("skus", []))
    subject = f"{alert['subject']['type']} #{alert['subject']['id']}"
    return f"{subject}{' · ' + skus if skus else ''}"


def rows(items: list[dict]) -> html.Div:
    if not items:
        return html.P("一切正常 All is well: no open alert.", className="c-empty")
    body = []
    for a in items:
        acked = a["acknowledged_at"] is not None
        body.append(html.Tr([
            html.Td(html.Span(SEVERITY_LABELS[a["severity"]], className=f"c-sev c-sev-{a['severity']}")),
            html.Td(KIND_LABELS.get(a["kind"], a["kind"])), html.Td(describe(a)),
            html.Td(a["opened_at"][:16].replace("T", " ")),
            html.Td("已确认 Acknowledged" if acked else html.Button(
                "确认 Acknowledge", id={"type": ids.ALERT_ACK, "alert": a["id"]}, n_clicks=0,
                className="c-button")),
        ], id=f"alert-row-{a['id']}"))
    return html.Table([html.Thead(html.Tr([html.Th("级别 Severity"), html.Th("类型 Kind"), html.Th("对象 Subject"),
                                           html.Th("开始 Since"), html.Th("")])), html.Tbody(body)],
                      className="c-table")


def layout(**_query):
    user, refusal = shell.signed_in_or_notice("/console/alerts")
    if refusal:
        return refusal
    items = open_alerts(auth.current_station_scope())
    return shell.frame(
        user, "/console/alerts",
        html.Div([html.H1("预警 Alerts"), html.Span(count(items), id=ids.ALERTS_COUNT)],
                 className="c-page-head"),
        html.Div(rows(items), id=ids.ALERTS_TABLE, className="c-panel"),
        html.Div(id=ids.ALERTS_STATUS, role="status"),
        dcc.Store(id=ids.ALERTS_LIVE),
        stream_targets={"alert": ids.ALERTS_LIVE, "status": ids.ALERTS_LIVE},  # a message, or back after a gap
    )


@callback(Output(ids.ALERTS_TABLE, "children"), Output(ids.ALERTS_COUNT, "children"),
          Output(ids.ALERTS_STATUS, "children"), Input({"type": ids.ALERT_ACK, "alert": ALL}, "n_clicks"),
          Input(ids.ALERTS_LIVE, "data"), prevent_initial_call=True)
def redraw(clicks, _live):
    """An acknowledge button's click, or the page's stream (an alert message, back after a gap)."""
    station = auth.current_station_scope()
    if ctx.triggered_id == ids.ALERTS_LIVE:
        items = open_alerts(station)
        return rows(items), count(items), no_update
    if not ctx.triggered_id or not any(clicks or ()):
        return no_update, no_update, no_update
    try:
        alerts.acknowledge(get_store(), int(ctx.triggered_id["alert"]), station)
        status = "已确认 Acknowledged: it stays listed until its condition clears."
    except AnalyticsError as exc:
        status = exc.detail
    items = open_alerts(station)
    return rows(items), count(items), status


def count(items: list[dict]) -> str:
    return f"{len(items)} 条未解决 open"
