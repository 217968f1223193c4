"""The wall's alert strip: unresolved alerts counted by severity and the newest few, or nothing at
all when all is well.

The server reads the unresolved alerts when the page opens, when the stream (re)connects and on the
fallback poll (the wall's tick, on only while the stream is down) into ``ids.STRIP_STATE``; the strip
is drawn in the browser from that list and the stream's ``alert`` messages since
(``bfAlerts.strip`` in assets/alerts-live.js): no request per wall per alert, no poll while live."""
from __future__ import annotations

import logging
import time

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import access
from dashboard.screen import ids
from store import get_store

log = logging.getLogger(__name__)
STRIP = "alert-strip"
NEWEST = 3
SEVERITIES = (("critical", "严重 critical"), ("warning", "警告 warning"), ("info", "提示 info"))
SHORT = {"device_offline": "离线 offline", "device_stock_out": "缺货 sold out", "device_stock_low": "库存低 low stock",
         "station_stock_low": "站点库存低 station low", "no_sales": "无销售 no sales",
         "pickup_overdue": "取货超时 pickup overdue", "payment_mismatch": "支付不符 payment mismatch"}
LABELS = {"severities": SEVERITIES, "short": SHORT, "newest": NEWEST}


def strip() -> html.Div:
    return html.Div(id=STRIP, className="alert-strip", hidden=True, role="status", **{"aria-live": "polite"})


def unresolved(station_id: int | None) -> dict:
    from analytics.alerts import table

    store = get_store()
    with store.sessions() as session:
        return table.unresolved(session, store.settings.tz, station_id)


@callback(Output(ids.STRIP_STATE, "data"), Input(ids.TICK, "n_intervals"), Input(ids.LIVE_STATUS, "data"),
          State(ids.CONTEXT, "data"))
def refresh_alerts(_n, status, context):
    if (status or {}).get("state") == "reconnecting":
        raise PreventUpdate  # the tick's poll that follows reads them
    try:
        scope = access.resolve((context or {}).get("token"))
    except Exception:
        raise PreventUpdate from None
    if scope is None:
        raise PreventUpdate
    try:
        return {**unresolved(scope.station_id), "labels": LABELS, "stamp": time.time()}
    except Exception as exc:  # the wall keeps what it shows; the KPI callback reports the outage
        log.debug("alert strip unavailable: %s", exc)
        return no_update


clientside_callback(
    ClientsideFunction("bfAlerts", "strip"),
    Output(STRIP, "children"), Output(STRIP, "hidden"),
    Input(ids.STRIP_STATE, "data"), Input(ids.LIVE_ALERTS, "data"),
)
