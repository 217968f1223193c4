"""The restock suggestions beside a device's stock on ``/console/devices`` (GET /devices/{id}/restock)."""
from __future__ import annotations

import logging

from dash import html

from dashboard.console import ids
from store import get_store

log = logging.getLogger(__name__)


def restock_panel(device_id: int) -> html.Div:
    return html.Div([html.H3("补货建议 Restock"), restock_table(device_id)], id=ids.DEVICES_RESTOCK)


def _cover(days: float | None) -> str:
    return "—" if days is None else f"{days:.1f} 天 days"


def restock_table(device_id: int):
    """Worst cover first: per day, cover, what to load, the nearest stations that have it."""
    from analytics.queries import device_restock

    try:
        items = device_restock(get_store(), device_id)["items"]
    except Exception as exc:  # the stations' distances come from Redis: the stock above still shows
        log.warning("restock suggestions unavailable: %s", exc)
        return html.P("补货建议暂不可用 Suggestions unavailable now.")
    if not items:
        return html.P("近 28 天无销售 No sales in the last 28 days.")
    return html.Table([
        html.Thead(html.Tr([html.Th("SKU"), html.Th("日销 Per day"), html.Th("可售 Cover"), html.Th("建议 Load"),
                            html.Th("最近站点 Nearest stations")])),
        html.Tbody([html.Tr([html.Td(i["sku"]), html.Td(f"{i['units_per_day']:.2f}"), html.Td(_cover(i["days_of_cover"])),
                             html.Td(i["suggested_quantity"]),
                             html.Td(", ".join(f"{s['name']} {s['distance_km']:.1f} km ({s['quantity']})"
                                               for s in i["stations"]) or "—")]) for i in items])],
        className="c-table", id=f"device-restock-{device_id}")
