"""The wall's alert strip: unresolved alerts counted by severity and the newest few, or nothing at
all when all is well. One component and one callback on the screen's tick (self-contained)."""
from __future__ import annotations

import logging

from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import access
from dashboard.screen import ids
from store import get_store

log = logging.getLogger(__name__)
STRIP = "alert-strip"
STRIP_TICK = "alert-strip-tick"
STRIP_SECONDS = 15  # the wall's own tick is off while the live stream is up; the strip keeps its own, slow one
NEWEST = 3
SEVERITIES = (("critical", "严重 critical"), ("warning", "警告 warning"), ("info", "提示 info"))
SHORT = {"device_offline": "离线 offline", "device_stock_out": "缺货 sold out", "device_stock_low": "库存低 low stock",
         "station_stock_low": "站点库存低 station low", "no_sales": "无销售 no sales",
         "pickup_overdue": "取货超时 pickup overdue", "payment_mismatch": "支付不符 payment mismatch"}


def strip() -> html.Div:
    return html.Div([dcc.Interval(id=STRIP_TICK, interval=STRIP_SECONDS * 1000, n_intervals=0)],
                    id=STRIP, className="alert-strip", hidden=True, role="status", **{"aria-live": "polite"})


def strip_content(station_id: int | None) -> tuple[list, bool]:
    from analytics.alerts import table

    store = get_store()
    with store.sessions() as session:
        counts = table.counts(session, station_id)
        if not counts:
            return [_tick()], True
        newest = table.page(session, store.settings.tz, status=None, kind=None, station_id=station_id, page=1,
                            per_page=NEWEST, unresolved=True)["items"]
    badges = [html.Span(f"{counts[s]} {label}", className=f"alert-count alert-{s}") for s, label in SEVERITIES
              if counts.get(s)]
    items = [html.Span(f"{a['subject']['type']} #{a['subject']['id']} {SHORT.get(a['kind'], a['kind'])} "
                       f"{a['opened_at'][11:16]}", className=f"alert-item alert-{a['severity']}") for a in newest]
    return [_tick(), *badges, *items], False


def _tick() -> dcc.Interval:
    """The strip's own interval lives inside it: each refresh hands it back (its count restarts)."""
    return dcc.Interval(id=STRIP_TICK, interval=STRIP_SECONDS * 1000, n_intervals=0)


@callback(Output(STRIP, "children"), Output(STRIP, "hidden"), Input(ids.TICK, "n_intervals"),
          Input(STRIP_TICK, "n_intervals"), State(ids.CONTEXT, "data"))
def refresh_alerts(_n, _slow, context):
    try:
        scope = access.resolve((context or {}).get("token"))
    except Exception:
        raise PreventUpdate from None
    if scope is None:
        raise PreventUpdate
    try:
        return strip_content(scope.station_id)
    except Exception as exc:  # the wall keeps what it shows; the KPI callback reports the outage
        log.debug("alert strip unavailable: %s", exc)
        return no_update, no_update
