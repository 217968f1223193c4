"""``/console/reports``: choose kind, business days and grouping; download the API's CSV files.

The links point at ``/api/v1/reports/*.csv``, which accepts the console's
session and enforces the same station scope; this page only builds them and
says beforehand what the API would refuse (same rules: ``analytics.reports``).
"""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from dash import Input, Output, callback, dcc, html

from analytics import reports
from dashboard import auth
from dashboard.console import ids, shell
from store import get_store

GROUP_LABELS = {"day": "日 Day", "station": "站点 Station", "product": "商品 Product", "driver": "司机 Driver",
                "device": "设备 Device"}


def layout(**_query):
    user, refusal = shell.signed_in_or_notice("/console/reports")
    if refusal:
        return refusal
    today = datetime.now(get_store().settings.tz).date()
    kinds = [{"label": "批发 Wholesale (station sales)", "value": "wholesale"}]
    if user.is_admin:
        kinds.append({"label": "零售 Retail (passenger purchases)", "value": "retail"})
    return shell.frame(
        user, "/console/reports",
        html.Div([html.H1("报表 Reports")], className="c-page-head"),
        html.Div([
            html.Div(["类型 Kind", dcc.RadioItems(id=ids.REPORT_KIND, options=kinds, value="wholesale")],
                     className="c-field", **{"data-label": "类型 Kind"}),
            html.Div(["站点 Station", shell.station_picker(ids.REPORT_STATION, user)], className="c-field"),
            html.Div(["日期 Business days", dcc.DatePickerRange(
                id=ids.REPORT_DATES, start_date=today.replace(day=1), end_date=today, display_format="YYYY-MM-DD",
                minimum_nights=0)], className="c-field"),
            html.Div(["分组 Group by", dcc.Checklist(id=ids.REPORT_GROUPS, value=["day"], inline=True)],
                     className="c-field", **{"data-label": "分组 Group by"}),
            html.Div(["格式 Format",  # headed like its neighbours, so its box lines up with theirs
                      dcc.Checklist(id=ids.REPORT_BOM, options=[{"label": "Excel (UTF-8 BOM)", "value": "bom"}], value=[])],
                     className="c-field", **{"data-label": "格式 Format"}),
        ], className="c-report-form"),
        html.Div(id=ids.REPORT_ERROR, className="c-error", role="alert"),
        html.Div([html.A("下载销售汇总 Download sales.csv", id=ids.REPORT_SALES_LINK, className="c-btn c-ok", download=""),
                  html.A("下载订单明细 Download orders.csv", id=ids.REPORT_ORDERS_LINK, className="c-btn", download="")],
                 className="c-downloads"),
        html.Section([html.H2("预览 Preview of sales.csv"), html.Div(id=ids.REPORT_PREVIEW)], className="c-panel"),
    )


@callback(Output(ids.REPORT_GROUPS, "options"), Output(ids.REPORT_STATION, "disabled"), Input(ids.REPORT_KIND, "value"))
def group_options(kind):
    allowed = reports.GROUPS_BY_KIND.get(kind, reports.GROUPS_BY_KIND["wholesale"])
    # Passenger purchases belong to no station: the picker has nothing to choose for them.
    disabled = kind == "retail" or not auth.signed_in_user().is_admin
    return [{"label": GROUP_LABELS[g], "value": g} for g in allowed], disabled


PREVIEW_ROWS = 10


def preview(spec, bom: bool):
    """The first rows of sales.csv exactly as the download has them."""
    header, rows, more = reports.head(reports.sales_csv(get_store(), spec, bom=bom), PREVIEW_ROWS)
    if not rows:
        return html.P("所选范围没有销售 No sales in this range: the file would hold the header only.",
                      className="c-empty")
    note = f"前 {PREVIEW_ROWS} 行 First {PREVIEW_ROWS} rows; the file has more." if more else \
        f"全部 {len(rows)} 行 All {len(rows)} rows."
    return [html.Table([html.Thead(html.Tr([html.Th(h) for h in header])),
                        html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows])], className="c-table"),
            html.P(note, className="c-note")]


@callback(
    Output(ids.REPORT_SALES_LINK, "href"), Output(ids.REPORT_ORDERS_LINK, "href"),
    Output(ids.REPORT_ERROR, "children"),
    Output(ids.REPORT_SALES_LINK, "className"), Output(ids.REPORT_ORDERS_LINK, "className"),
    Output(ids.REPORT_PREVIEW, "children"),
    Input(ids.REPORT_KIND, "value"), Input(ids.REPORT_STATION, "value"), Input(ids.REPORT_DATES, "start_date"),
    Input(ids.REPORT_DATES, "end_date"), Input(ids.REPORT_GROUPS, "value"), Input(ids.REPORT_BOM, "value"),
)
def links(kind, station_value, start, end, groups, bom):
    station_id = shell.scope_of(station_value)
    if kind == "retail":
        auth.require_admin()  # purchases belong to no station
        station_id = None
    disabled = (None, None)
    try:
        first, last = date.fromisoformat((start or "")[:10]), date.fromisoformat((end or "")[:10])
    except ValueError:
        return *disabled, "请选择日期 Choose the first and last day.", "c-btn c-disabled", "c-btn c-disabled", None
    allowed = reports.GROUPS_BY_KIND.get(kind, ())
    group_by = ",".join(g for g in (groups or []) if g in allowed)
    try:
        spec = reports.build_spec(kind=kind, start=first, end=last, group_by=group_by, station_id=station_id)
    except reports.ReportError as exc:
        return *disabled, exc.detail, "c-btn c-disabled", "c-btn c-disabled", None
    query = {"kind": kind, "from": first.isoformat(), "to": last.isoformat()}
    if station_id is not None:
        query["station_id"] = station_id
    if bom:
        query["bom"] = 1
    return (f"/api/v1/reports/sales.csv?{urlencode({**query, 'group_by': group_by})}",
            f"/api/v1/reports/orders.csv?{urlencode(query)}", "", "c-btn c-ok", "c-btn", preview(spec, bool(bom)))
