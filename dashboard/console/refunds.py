"""Refunds from ``/console/orders`` (admins): a retail row's button opens a panel with the
amount (what is left by default) and a reason; a confirm dialog says what will happen and
only then ``ingest.refunds.refund_purchase`` runs — the use case behind
``POST /purchases/{id}/refund``, Alipay's refund included — with the admin as the caller and
one idempotency key per opened panel, so a double click refunds once."""
from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import auth
from dashboard.console import ids
from dashboard.screen.format import money
from ingest import refunds
from ingest.errors import IngestError
from store import get_store

HIDDEN, SHOWN = {"display": "none"}, {}


def button(item: dict):
    """The row's refund button, or nothing when the purchase was refunded in full."""
    left = item["total_cents"] - item.get("refunded_cents", 0)
    if left <= 0:
        return ""
    return html.Button("退款 Refund", id={"type": ids.REFUND_OPEN, "purchase": item["id"]}, n_clicks=0,
                       className="c-btn c-danger", **{"data-left": str(left)})


def panel() -> list:
    return [html.Div([
        html.Div([
            html.H2("退款 Refund", id=ids.REFUND_LABEL),
            html.Label(["金额（元） Amount (¥)", dcc.Input(id=ids.REFUND_AMOUNT, type="number", min=0.01, step=0.01,
                                                     debounce=False, className="c-input")]),
            html.Label(["原因 Reason", dcc.Input(id=ids.REFUND_REASON, type="text", maxLength=256,
                                               value="", className="c-input")]),
            html.Div([html.Button("退款… Refund…", id=ids.REFUND_SEND, n_clicks=0, className="c-btn c-danger"),
                      html.Button("关闭 Close", id=ids.REFUND_CANCEL, n_clicks=0, className="c-btn")],
                     className="c-actions"),
        ], className="c-panel"),
        dcc.Store(id=ids.REFUND_TARGET),
        dcc.ConfirmDialog(id=ids.REFUND_CONFIRM),
    ], id=ids.REFUND_PANEL, style=HIDDEN), html.Div(id=ids.REFUND_STATUS, role="status", className="c-action-status")]


@callback(
    Output(ids.REFUND_PANEL, "style"), Output(ids.REFUND_TARGET, "data"), Output(ids.REFUND_AMOUNT, "value"),
    Output(ids.REFUND_LABEL, "children"),
    Input({"type": ids.REFUND_OPEN, "purchase": ALL}, "n_clicks"), Input(ids.REFUND_CANCEL, "n_clicks"),
    prevent_initial_call=True,
)
def open_panel(_opens, _close):
    trigger = ctx.triggered_id
    if trigger == ids.REFUND_CANCEL:
        return HIDDEN, None, None, "退款 Refund"
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # buttons drawn by a refresh, not clicked
    auth.require_admin()
    purchase_id = str(trigger["purchase"])
    left = refunds.refundable_cents(get_store(), purchase_id)
    target = {"purchase_id": purchase_id, "left": left, "key": "console-" + secrets.token_hex(8)}
    return SHOWN, target, float(Decimal(left) / 100), f"退款 Refund {purchase_id} (≤ {money(left)})"


def _cents(value) -> int | None:
    try:
        amount = Decimal(str(value)) * 100
    except (InvalidOperation, TypeError):
        return None
    return int(amount) if amount == amount.to_integral_value() and amount > 0 else None


@callback(
    Output(ids.REFUND_CONFIRM, "message"), Output(ids.REFUND_CONFIRM, "displayed"),
    Output(ids.REFUND_STATUS, "children", allow_duplicate=True),
    Input(ids.REFUND_SEND, "n_clicks"), State(ids.REFUND_TARGET, "data"), State(ids.REFUND_AMOUNT, "value"),
    State(ids.REFUND_REASON, "value"), prevent_initial_call=True,
)
def ask(clicks, target, amount, reason):
    if not clicks or not target:
        raise PreventUpdate
    auth.require_admin()
    cents = _cents(amount)
    if cents is None or cents > target["left"]:
        return no_update, False, html.Span(f"金额须在 ¥0.01 与 {money(target['left'])} 之间 "
                                           f"The amount must be between ¥0.01 and {money(target['left'])}",
                                           className="c-error")
    if not (reason or "").strip():
        return no_update, False, html.Span("请填写原因 Give a reason", className="c-error")
    return (f"退款 {money(cents)}（购买 {target['purchase_id']}）？支付宝付款将原路退回，司机的货款减少。\n"
            f"Refund {money(cents)} of purchase {target['purchase_id']}? An Alipay payment goes back to the "
            f"passenger; the driver's takings go down by it."), True, ""


@callback(
    Output(ids.REFUND_STATUS, "children"), Output(ids.REFUND_DONE, "data"), Output(ids.REFUND_PANEL, "style",
                                                                                   allow_duplicate=True),
    Input(ids.REFUND_CONFIRM, "submit_n_clicks"), State(ids.REFUND_TARGET, "data"),
    State(ids.REFUND_AMOUNT, "value"), State(ids.REFUND_REASON, "value"), State(ids.REFUND_DONE, "data"),
    prevent_initial_call=True,
)
def refund(submitted, target, amount, reason, done):
    if not submitted or not target:
        raise PreventUpdate
    auth.require_admin()
    store = get_store()
    request = refunds.RefundRequest(target["key"], target["purchase_id"], _cents(amount), (reason or "").strip())
    try:
        outcome, events = refunds.refund_purchase(store, "admin", request)
    except IngestError as exc:  # 409 over the total, 502 Alipay: said on the page
        return html.Span(exc.detail, className="c-error"), no_update, no_update
    store.committed.publish(events)  # the figures drop now, not at the next outbox replay
    return html.Span(f"已退款 Refunded {money(_cents(amount))} of {target['purchase_id']}", className="c-ok"), \
        (done or 0) + 1, HIDDEN
