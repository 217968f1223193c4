"""``/console/orders``: the station's wholesale orders (retail purchases too for admins),
30 rows a page, newest first, filtered by status and business days."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dash import Input, Output, State, callback, ctx, dcc, html

from analytics.queries import desk
from dashboard import auth
from dashboard.console import ids, refunds, shell
from dashboard.screen.format import count, money
from ingest import orders as order_reads
from store import get_store

PER_PAGE = 30
STATUS_LABELS = {"awaiting_pickup": "待取货 Awaiting pickup", "picked_up": "已取货 Picked up",
                 "cancelled": "已取消 Cancelled", "completed": "已完成 Completed"}
PAYMENT_STATUS_LABELS = {"paid": "已付 paid", "partially_refunded": "部分退款 partly refunded",
                         "refunded": "已退款 refunded"}


def layout(**_query):
    user, refusal = shell.signed_in_or_notice("/console/orders")
    if refusal:
        return refusal
    kinds = [{"label": "批发 Wholesale (station orders)", "value": "wholesale"}]
    if user.is_admin:
        kinds.append({"label": "零售 Retail (passenger purchases)", "value": "retail"})
    statuses = [{"label": "全部状态 Any status", "value": "all"}] + \
        [{"label": label, "value": key} for key, label in STATUS_LABELS.items() if key != "completed"]
    return shell.frame(
        user, "/console/orders",
        html.Div([html.H1("订单 Orders"), shell.station_picker(ids.ORDERS_STATION, user)], className="c-page-head"),
        html.Div([
            html.Div(dcc.RadioItems(id=ids.ORDERS_KIND, options=kinds, value="wholesale", inline=True),
                     **{"data-label": "订单类型 Kind of order"}),
            dcc.Dropdown(id=ids.ORDERS_STATUS, options=statuses, value="all", clearable=False, className="c-status"),
            dcc.DatePickerRange(id=ids.ORDERS_DATES, display_format="YYYY-MM-DD", clearable=True,
                                start_date_placeholder_text="开始 From", end_date_placeholder_text="结束 To"),
        ], className="c-filters"),
        *(refunds.panel() if user.is_admin else []),
        html.Div(id=ids.ORDERS_TABLE),
        html.Div([html.Button("‹ 上一页 Prev", id=ids.ORDERS_PREV, className="c-btn"),
                  html.Span(id=ids.ORDERS_PAGER, className="c-pager-text"),
                  html.Button("下一页 Next ›", id=ids.ORDERS_NEXT, className="c-btn")], className="c-pager"),
        dcc.Store(id=ids.ORDERS_PAGE, data=1), dcc.Store(id=ids.REFUND_DONE, data=0),
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _filter(kind: str, status: str, station_id: int | None, start, end, tz) -> order_reads.OrderFilter:
    first, last = _day(start), _day(end)
    return order_reads.OrderFilter(
        kind=kind, status=None if status in (None, "all") or kind == "retail" else status,
        station_id=station_id,
        since=datetime.combine(first, time.min, tz) if first else None,
        until=datetime.combine(last + timedelta(days=1), time.min, tz) if last else None)


PAYMENT_LABELS = {"alipay": "支付宝 Alipay", "wechat": "微信 WeChat", "card": "银行卡 Card", "cash": "现金 Cash"}


def _paid_by(item: dict) -> str:
    """How it was paid, what Alipay says of it, and what went back."""
    method = item.get("payment_method") or ""
    parts = [PAYMENT_LABELS.get(method, method)]
    if item.get("payment_status"):
        parts.append(PAYMENT_STATUS_LABELS.get(item["payment_status"], item["payment_status"]))
    if item.get("refunded_cents"):
        parts.append(f"退 refunded {money(item['refunded_cents'])}")
    return " · ".join(p for p in parts if p)


def _table(result: dict, kind: str, tz) -> html.Table | html.P:
    items = result["items"]
    if not items:
        return html.P("没有订单 No orders match.", className="c-empty")
    found = desk.names(get_store(), station_ids=[i.get("station_id") for i in items],
                       driver_ids=[i["driver_id"] for i in items], skus=[x["sku"] for i in items for x in i["items"]],
                       device_ids=[i.get("device_id") for i in items])
    products, drivers = found["products"], found["drivers"]
    goods = lambda item: ", ".join(f"{products.get(x['sku'], x['sku'])} ×{x['quantity']}"  # noqa: E731
                                   for x in item["items"])
    driver = lambda item: drivers.get(item["driver_id"], (item["driver_id"],))[0]  # noqa: E731
    if kind == "wholesale":
        head = ["下单时间 Ordered", "订单 Order", "站点 Station", "司机 Driver", "状态 Status", "商品 Items", "金额 Total"]
        rows = [[_local(i["created_at"], tz), i["id"], found["stations"].get(i["station_id"], i["station_id"]),
                 driver(i), STATUS_LABELS.get(i["status"], i["status"]), goods(i), money(i["total_cents"])]
                for i in items]
    else:
        head = ["时间 Time", "编号 Purchase", "设备 Device", "司机 Driver", "商品 Items", "支付 Paid by", "金额 Total",
                ""]
        rows = [[_local(i["occurred_at"], tz), i["id"], _device(i, found), driver(i), goods(i), _paid_by(i),
                 money(i["total_cents"]), refunds.button(i)] for i in items]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                       html.Tbody([html.Tr([html.Td(c if not isinstance(c, (str, int)) else str(c)) for c in row],
                                           className="c-order-row") for row in rows])],
                      className="c-table")


def _device(item: dict, found: dict) -> str:
    """``BF-DEV-00003 · 沪A·D8231``: the serial on the device's label and the car it rides in."""
    serial = found["devices"].get(item.get("device_id"), f"#{item.get('device_id')}")
    plate = found["drivers"].get(item["driver_id"], (None, None))[1]
    return f"{serial} · {plate}" if plate else serial


def _local(stamp: str, tz) -> str:
    return datetime.fromisoformat(stamp).astimezone(tz).strftime("%Y-%m-%d %H:%M")


@callback(
    Output(ids.ORDERS_TABLE, "children"), Output(ids.ORDERS_PAGER, "children"), Output(ids.ORDERS_PAGE, "data"),
    Output(ids.ORDERS_PREV, "disabled"), Output(ids.ORDERS_NEXT, "disabled"),
    Input(ids.ORDERS_PREV, "n_clicks"), Input(ids.ORDERS_NEXT, "n_clicks"),
    Input(ids.ORDERS_STATION, "value"), Input(ids.ORDERS_KIND, "value"), Input(ids.ORDERS_STATUS, "value"),
    Input(ids.ORDERS_DATES, "start_date"), Input(ids.ORDERS_DATES, "end_date"),
    State(ids.ORDERS_PAGE, "data"),
)
def show_page(_prev, _next, station_value, kind, status, start, end, page):
    return _page(station_value, kind, status, start, end, page)


@callback(
    Output(ids.ORDERS_TABLE, "children", allow_duplicate=True), Output(ids.ORDERS_PAGER, "children",
                                                                      allow_duplicate=True),
    Output(ids.ORDERS_PAGE, "data", allow_duplicate=True), Output(ids.ORDERS_PREV, "disabled", allow_duplicate=True),
    Output(ids.ORDERS_NEXT, "disabled", allow_duplicate=True),
    Input(ids.REFUND_DONE, "data"), State(ids.ORDERS_STATION, "value"), State(ids.ORDERS_KIND, "value"),
    State(ids.ORDERS_STATUS, "value"), State(ids.ORDERS_DATES, "start_date"), State(ids.ORDERS_DATES, "end_date"),
    State(ids.ORDERS_PAGE, "data"), prevent_initial_call=True,
)
def after_refund(_done, station_value, kind, status, start, end, page):
    """The page again, on the same page number, once a refund went through."""
    return _page(station_value, kind, status, start, end, page, keep=True)


def _page(station_value, kind, status, start, end, page, keep: bool = False):
    station_id = shell.scope_of(station_value)
    if kind == "retail":
        auth.require_admin()  # purchases belong to drivers, not stations: admins only (403 otherwise)
    else:
        kind = "wholesale"
    page = int(page or 1)
    page = page if keep else {ids.ORDERS_PREV: page - 1, ids.ORDERS_NEXT: page + 1}.get(ctx.triggered_id, 1)
    store = get_store()
    tz = store.settings.tz
    flt = _filter(kind, status, station_id, start, end, tz)
    with store.sessions() as session:
        result = order_reads.page(session, flt, max(page, 1), PER_PAGE, tz)
        pages = max(1, -(-result["total"] // PER_PAGE))
        if page > pages or page < 1:
            page = min(max(page, 1), pages)
            result = order_reads.page(session, flt, page, PER_PAGE, tz)
    pager = f"第 {page} / {pages} 页 · 共 {count(result['total'])} 条 Page {page} of {pages} · {result['total']} orders"
    return _table(result, kind, tz), pager, page, page <= 1, page >= pages
