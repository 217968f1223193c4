"""``/console/devices`` (admins): every device, 30 rows a page, filtered in the browser.

The original notes: everything is fetched when the page opens; the activated
and online filters then run in the browser (AG Grid's client-side row model
and a clientside callback), without another request. A click on a device
asks the server for its stock.
"""
from __future__ import annotations

import logging

import dash_ag_grid as dag
from dash import Input, Output, callback, clientside_callback, dcc, html

from analytics.queries import desk
from dashboard import auth
from dashboard.console import ids, shell
from dashboard.console.restock import restock_panel
from dashboard.screen.format import count
from ingest import devices as device_reads
from ingest.errors import NotFound
from store import get_store

log = logging.getLogger(__name__)
PER_PAGE = 30
YES_NO = ("是 Yes", "否 No")
ONLINE = ("在线 Online", "离线 Offline")
COLUMNS = [
    {"field": "id", "headerName": "ID", "width": 80, "filter": "agNumberColumnFilter"},
    {"field": "serial", "headerName": "序列号 Serial"},
    {"field": "driver_name", "headerName": "司机 Driver"},
    {"field": "car_plate", "headerName": "车牌 Plate"},
    {"field": "activated", "headerName": "已激活 Activated", "width": 130},
    {"field": "online", "headerName": "在线 Online", "width": 130,
     "cellClassRules": {"c-cell-online": f"params.value === '{ONLINE[0]}'",
                        "c-cell-offline": f"params.value === '{ONLINE[1]}'"}},
    {"field": "last_seen", "headerName": "最后在线 Last seen"},
    {"field": "today_sales_cents", "headerName": "今日销售 Sales today", "filter": "agNumberColumnFilter",
     "valueFormatter": {"function": "'¥' + (params.value / 100).toFixed(2)"}, "type": "rightAligned"},
    {"field": "stock_alerts", "headerName": "库存预警 Stock alerts", "flex": 1,
     "cellClassRules": {"c-cell-alert": "params.value && params.value.length > 0"}},
]
NO_STOCK = "无库存 No stock at all"
CHOICES = [{"label": "全部 All", "value": "all"}, {"label": "是 Yes", "value": "yes"}, {"label": "否 No", "value": "no"}]


def all_devices(store) -> list[dict]:
    """Every device (the analytics page function, 200 at a time), flattened for the grid."""
    from analytics import queries

    rows, page = [], 1
    with store.sessions() as session:
        stocked = device_reads.stocked_devices(session)
    while True:
        result = queries.devices_page(store, page=page, per_page=200)
        rows += result["items"]
        if page * 200 >= result["total"]:
            break
        page += 1
    return [{"id": d["id"], "serial": d["serial"], "driver_name": d["driver_name"], "car_plate": d["car_plate"],
             "activated": YES_NO[0] if d["activated"] else YES_NO[1],
             "online": ONLINE[0] if d["online"] else ONLINE[1],
             "last_seen": d["last_seen_at"][:19].replace("T", " ") if d["last_seen_at"] else "—",
             "today_sales_cents": d["today_sales_cents"],
             "stock_alerts": _alerts(d, stocked)} for d in rows]


def _alerts(device: dict, stocked: set[int]) -> str:
    """Low rows as ``SKU (n)``; a device without a single unit says so (it has no low rows to list)."""
    if device["id"] not in stocked:
        return NO_STOCK
    return ", ".join(f"{a['sku']} ({a['quantity']})" for a in device["stock_alerts"])


def layout(**_query):
    user, refusal = shell.signed_in_or_notice("/console/devices", admin=True)
    if refusal:
        return refusal
    try:
        rows = all_devices(get_store())
    except Exception as exc:  # today's sales come from Redis: say so rather than fail the page
        log.warning("devices page unavailable: %s", exc)
        return shell.notice("暂不可用 Unavailable", "设备数据暂时无法读取 Device figures cannot be read now; "
                            "try again shortly.", ("/console/devices", "重试 Retry"))
    online = sum(r["online"] == ONLINE[0] for r in rows)
    return shell.frame(
        user, "/console/devices",
        html.Div([html.H1("设备 Devices"), html.Span(f"共 {count(len(rows))} 台 · 在线 {count(online)} "
                                                    f"({len(rows)} devices, {online} online)", id=ids.DEVICES_COUNT)],
                 className="c-page-head"),
        html.Div([html.Div(["已激活 Activated ", dcc.RadioItems(id=ids.DEVICES_ACTIVATED, options=CHOICES,
                                                               value="all", inline=True)],
                           className="c-filter", **{"data-label": "已激活 Activated"}),
                  html.Div(["在线 Online ", dcc.RadioItems(id=ids.DEVICES_ONLINE, options=CHOICES, value="all",
                                                          inline=True)],
                           className="c-filter", **{"data-label": "在线 Online"})], className="c-filters"),
        html.Div([
            dag.AgGrid(id=ids.DEVICES_GRID, rowData=rows, columnDefs=COLUMNS,
                       defaultColDef={"sortable": True, "filter": True, "resizable": True},
                       getRowId="params.data.id", columnSize="responsiveSizeToFit",
                       # autoHeight: a page of 30 rows is drawn whole (no inner scrollbar to miss rows in).
                       dashGridOptions={"pagination": True, "paginationPageSize": PER_PAGE, "domLayout": "autoHeight",
                                        "paginationPageSizeSelector": False, "animateRows": False},
                       style={"height": None}, className="ag-theme-alpine"),
            # Beside the grid and sticky: a click shows the stock where the eye already is.
            html.Section([html.H2("设备库存 Device stock"),
                          html.Div("点击一台设备查看库存 Click a device to see its stock.", id=ids.DEVICES_STOCK)],
                         className="c-panel c-stock-panel", role="region", **{"aria-live": "polite"}),
        ], className="c-devices"),
    )


# In the browser: the two filters become the grid's filter model (no request to the server).
clientside_callback(
    """function (activated, online) {
        const model = {};
        if (activated === 'yes' || activated === 'no') {
            model.activated = {filterType: 'text', type: 'equals', filter: activated === 'yes' ? '%s' : '%s'};
        }
        if (online === 'yes' || online === 'no') {
            model.online = {filterType: 'text', type: 'equals', filter: online === 'yes' ? '%s' : '%s'};
        }
        return model;
    }""" % (YES_NO + ONLINE),
    Output(ids.DEVICES_GRID, "filterModel"),
    Input(ids.DEVICES_ACTIVATED, "value"), Input(ids.DEVICES_ONLINE, "value"),
)


@callback(Output(ids.DEVICES_STOCK, "children"), Input(ids.DEVICES_GRID, "cellClicked"), prevent_initial_call=True)
def show_stock(cell):
    auth.require_admin()
    try:
        device_id = int((cell or {}).get("rowId"))
    except (TypeError, ValueError):
        return "点击一台设备查看库存 Click a device to see its stock."
    with get_store().sessions() as session:
        try:
            stock = device_reads.device_stock(session, device_id)["items"]
        except NotFound:
            return f"设备 {device_id} 不存在 does not exist."
    if not any(s["quantity"] > 0 for s in stock):
        return html.Div([html.P(f"设备 #{device_id} 没有库存 has no stock at all.", className="c-error"),
                         restock_panel(device_id)])
    products = desk.names(get_store(), skus=[s["sku"] for s in stock])["products"]
    low = get_store().settings.stock_alert_threshold
    return html.Div([html.Table([html.Caption(f"设备 Device #{device_id}"),
                       html.Thead(html.Tr([html.Th("商品 Product"), html.Th("SKU"), html.Th("数量 Quantity")])),
                       html.Tbody([html.Tr([html.Td(products.get(s["sku"], s["sku"])), html.Td(s["sku"]),
                                            html.Td(s["quantity"])], className="c-low" if s["quantity"] <= low else None)
                                   for s in stock])],
                      className="c-table", id=f"device-stock-{device_id}"), restock_panel(device_id)])
