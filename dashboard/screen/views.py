"""Query results → Dash components for the screen's lists.

Dash remounts a list's rows whenever a callback replaces it, so an entrance
animation would replay on every refresh: only sales the ticker did not show
before get the ``new`` class that slides them in.
"""
from __future__ import annotations

from datetime import datetime

from dash import html

from dashboard.screen import format as fmt


def _empty(text: str = "暂无数据 No sales yet") -> list:
    return [html.Li(text, className="empty", key="empty")]


def ranking_items(items: list[dict]) -> list:
    """Hot sellers, best first, as the API's ranking gives them."""
    if not items:
        return _empty()
    top = max(item["amount_cents"] for item in items) or 1
    return [html.Li(key=f"p{item['product_id']}", className="rank-row", children=[
        html.Span(str(item["rank"]), className="rank-no"),
        html.Span(item["name"], className="rank-name", title=item.get("sku", "")),
        html.Span(fmt.count(item["units"]) + " 件", className="rank-units"),
        html.Span(fmt.money(item["amount_cents"]), className="rank-amount"),
        html.Span(className="rank-bar", style={"width": f"{100 * item['amount_cents'] / top:.1f}%"}),
    ]) for item in items]


def station_items(items: list[dict], only: int | None = None) -> list:
    """Stations by sales; a station's own screen shows only its own row (with its rank)."""
    if only is not None:
        items = [item for item in items if item["station_id"] == only]
    if not items:
        return _empty()
    top = max(item["amount_cents"] for item in items) or 1
    return [html.Li(key=f"s{item['station_id']}", className="rank-row", children=[
        html.Span(str(item["rank"]), className="rank-no"),
        html.Span(item["name"], className="rank-name"),
        html.Span(fmt.count(item["orders"]) + " 单", className="rank-units"),
        html.Span(fmt.money(item["amount_cents"]), className="rank-amount"),
        html.Span(className="rank-bar", style={"width": f"{100 * item['amount_cents'] / top:.1f}%"}),
    ]) for item in items]


def ad_rows(items: list[dict]) -> list:
    """Top ads: plays, completion against the plays bought, revenue."""
    head = html.Thead(html.Tr([html.Th("广告 Ad"), html.Th("播放 Plays"), html.Th("完成 Done"),
                               html.Th("收入 Revenue")]))
    if not items:
        return [head, html.Tbody(html.Tr(html.Td("暂无播放 No plays yet", colSpan=4, className="empty")))]
    rows = []
    for item in items:
        ratio = float(item.get("completion_ratio") or 0)
        rows.append(html.Tr(key=f"a{item['ad_id']}", children=[
            html.Td(item["title"], className="ad-title", title=item.get("advertiser", "")),
            html.Td(fmt.count(item["plays"]), className="num"),
            html.Td(className="num", children=[
                html.Span(f"{ratio * 100:.1f}%"),
                html.Span(html.Span(style={"width": f"{min(ratio, 1) * 100:.1f}%"}), className="meter"),
            ]),
            html.Td(fmt.money(item["revenue_cents"]), className="num"),
        ]))
    return [head, html.Tbody(rows)]


def _when(value, tz) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return fmt.clock(moment.astimezone(tz))[:5]


def shown_keys(children) -> set[str]:
    """Keys of the rows a list shows now (the browser sends its current children back)."""
    rows = children if isinstance(children, list) else [children] if children else []
    return {row["props"].get("key") for row in rows if isinstance(row, dict) and "props" in row} - {None, "empty"}


def ticker_items(sales, tz, shown: set[str] = frozenset()) -> list:
    """The newest sales, newest first: time, who, where, how much."""
    items = sales.get("items", []) if isinstance(sales, dict) else list(sales or [])
    if not items:
        return [html.Span("等待第一笔成交 Waiting for the first sale…", className="tick empty", key="empty")]
    out = []
    for item in items:
        who = item.get("car_plate") or item.get("driver_name") or ""
        where = item.get("station_name") or ""
        kind = "补货" if item.get("kind") == "wholesale" else "零售"
        when = _when(item.get("occurred_at") or item.get("created_at"), tz)
        text = " · ".join(part for part in (when, kind, who, where, fmt.money(item.get("total_cents"))) if part)
        key = str(item.get("id") or text)
        out.append(html.Span(text, className="tick new" if shown and key not in shown else "tick", key=key))
    return out
