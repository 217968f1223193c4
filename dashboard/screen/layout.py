"""The big screen's layout: 1920×1080, dark, one grid, nothing scrolls.

Every figure has a fixed slot and a DOM id (API.md "Pages"); the refresh
callbacks only change those slots' contents, so nothing else re-renders.
"""
from __future__ import annotations

from dash import dcc, html

from dashboard.screen import ids, live
from dashboard.screen.alerts import strip as alert_strip

PERIODS = [("day", "Day"), ("week", "Week"), ("month", "Month"), ("year", "Year"), ("total", "Total")]
MONEY_KPIS = [(ids.KPI_TODAY, ids.RETAIL_TODAY, "今日 Today"), (ids.KPI_WEEK, ids.RETAIL_WEEK, "本周 Week"),
              (ids.KPI_MONTH, ids.RETAIL_MONTH, "本月 Month"), (ids.KPI_YEAR, ids.RETAIL_YEAR, "本年 Year"),
              (ids.KPI_TOTAL, ids.RETAIL_TOTAL, "累计 Total")]
LIST_ROWS = {"hot": 8, "stations": 7, "ads": 5, "queue": 5}  # rows each list has room for, at any wall height


def _kpi(kpi_id: str, retail_id: str, label: str, retail: bool) -> html.Div:
    zh, en = label.split(" ", 1)
    return html.Div(className="kpi", children=[
        html.Div([html.Span(zh, className="zh"), html.Span(en, className="en")], className="kpi-label"),
        html.Div("—", id=kpi_id, className="kpi-value"),
        html.Div(["乘客 ", html.Span("—", id=retail_id)], className="kpi-retail", hidden=not retail),
    ])


def _kpi_legend(retail: bool) -> html.Div:
    """What the tiles' figures are: station (wholesale) sales big, passenger (retail) sales small."""
    return html.Div(className="kpi-legend", children=[
        html.Div([html.Span("补给站销售", className="zh"), html.Span("Station sales", className="en"),
                  html.Span("批发 · wholesale", className="sub")], className="legend-main"),
        html.Div([html.Span("乘客零售 ", className="zh"), html.Span("Passenger sales", className="en")],
                 className="legend-retail", hidden=not retail),
    ])


def _counter(counter_id: str, label: str) -> html.Div:
    """A small figure in the header: orders, devices, drivers (the money gets the big tiles)."""
    zh, en = label.split(" ", 1)
    return html.Div(className="counter", children=[
        html.Div([html.Span(zh), html.Span(en, className="en")], className="counter-label"),
        html.Div("—", id=counter_id, className="counter-value"),
    ])


def _panel(title: str, body, extra=None, class_name: str = "") -> html.Section:
    head = [html.H2(title)] + ([extra] if extra is not None else [])
    return html.Section(className=f"panel {class_name}".strip(), children=[
        html.Header(head, className="panel-head"), html.Div(body, className="panel-body")])


def empty_chart() -> dict:
    """The chart's starting figure; refreshes patch its data only (uirevision keeps the zoom)."""
    axis = dict(gridcolor="#1e293b", zeroline=False, color="#94a3b8", tickfont=dict(size=18))
    return {
        "data": [{"type": "bar", "x": [], "y": [], "text": [], "textposition": "outside",
                  "marker": {"color": "#38bdf8"}, "textfont": {"size": 18, "color": "#e2e8f0"},
                  "hovertemplate": "%{x}<br>%{text}<extra></extra>", "cliponaxis": False}],
        "layout": {"uirevision": "sales-7d", "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                   "margin": {"l": 70, "r": 16, "t": 30, "b": 44}, "font": {"color": "#e2e8f0", "size": 18},
                   "xaxis": {**axis, "type": "category"}, "yaxis": {**axis, "tickprefix": "¥", "rangemode": "tozero"},
                   "bargap": 0.25, "showlegend": False},
    }


def _rows(n: int) -> dict:
    """A list whose rows share its height: each stays whole however tall the window is."""
    return {"--rows": n}


def screen_layout(token: str | None, scope_label: str, station: bool, refresh_ms: int, map_src: str,
                  rotate_seconds: int = 0) -> html.Div:
    """The whole wall. ``station``: a station's screen (its own figures, no platform counters).
    ``rotate_seconds``: on a kiosk nobody clicks, the hot sellers' period turns by itself (0: never)."""
    counters = ([(ids.KPI_ORDERS, "今日订单 Orders"), (ids.KPI_FLEET, "待取货 Awaiting"),
                 (ids.KPI_ACTIVE, "来取货 Coming")] if station else
                [(ids.KPI_ORDERS, "今日订单 Orders"), (ids.KPI_FLEET, "设备在线 Online"),
                 (ids.KPI_ACTIVE, "活跃司机 Drivers")])
    return html.Div(className="screen" + (" screen-station" if station else ""), children=[
        dcc.Store(id=ids.CONTEXT, data={"token": token}),
        dcc.Store(id=ids.SHOWN, data={}),
        dcc.Interval(id=ids.TICK, interval=refresh_ms, n_intervals=0),  # off while the live stream is up
        *live.components(token, station, refresh_ms),
        dcc.Interval(id=ids.ROTATE, interval=max(rotate_seconds, 1) * 1000, disabled=not (token and rotate_seconds)),
        html.Header(className="screen-head", children=[
            html.Div([html.Div("BuyFree", className="brand"), html.Div("车载售卖实时大屏 Live sales wall",
                                                                       className="brand-sub")]),
            html.Div(scope_label, id=ids.SCOPE_LABEL, className="scope-label"),
            html.Div([_counter(i, label) for i, label in counters], className="counters"),
            html.Div(className="head-right", children=[
                html.Div("", id=ids.STATUS, className="status status-ok"),
                html.Div(["更新于 Updated", html.Span("—", id=ids.LAST_UPDATED)], className="updated"),
            ]),
        ]),
        # A station's purchases are its drivers' sales, not the station's: passenger figures are platform-wide.
        html.Div(className="kpis", children=[_kpi_legend(not station)] + [
            _kpi(i, r, label, not station) for i, r, label in MONEY_KPIS]),
        html.Main(className="grid", children=[
            html.Div(className="col col-left", children=[
                _panel("近 7 日补给销售 Station sales, 7 days",
                       dcc.Graph(id=ids.SALES_7D, figure=empty_chart(), className="chart",
                                 config={"displayModeBar": False, "responsive": True}), class_name="panel-chart"),
                _panel("补给站排行 Station ranking" if not station else "本站排名与待取货 This station",
                       [html.Ol(id=ids.STATION_RANKING, className="ranking", style=_rows(1 if station else LIST_ROWS["stations"])),
                        html.Ol(id=ids.PICKUP_QUEUE, className="ranking queue", hidden=not station,
                                style=_rows(LIST_ROWS["queue"]))],
                       class_name="panel-stations"),
            ]),
            html.Div(className="col col-map", children=[
                _panel("待取货司机 Drivers with orders awaiting pickup",
                       html.Iframe(id=ids.DRIVER_MAP, src=map_src, className="map-frame",
                                   title="Live map of drivers awaiting pickup"), class_name="panel-map"),
            ]),
            html.Div(className="col col-right", children=[
                _panel("热销 Hot sellers", html.Ol(id=ids.HOT_SELLERS, className="ranking", style=_rows(LIST_ROWS["hot"])),
                       extra=html.Div(dcc.RadioItems(id=ids.HOT_PERIOD, options=[{"label": l, "value": v}
                                                                                for v, l in PERIODS],
                                                     value="day", className="switch", inline=True),
                                      **{"data-label": "热销时段 Hot sellers' period"}),
                       class_name="panel-hot"),
                _panel("今日广告 Ads today", html.Table(id=ids.AD_STATS, className="ads", style=_rows(LIST_ROWS["ads"] + 1)),
                       class_name="panel-ads"),
            ]),
        ]),
        html.Footer(className="ticker", children=[
            html.Span("最新成交 Latest", className="ticker-label"),
            html.Div(html.Div(id=ids.TICKER, className="ticker-track"), className="ticker-window"),
            alert_strip(),  # takes room from the ticker only while alerts are open
        ]),
    ])
