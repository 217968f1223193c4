"""Refunds on the console are for admins: an edited callback from a station manager gets a 403."""
from __future__ import annotations

from dashboard.console import ids
from tests.dashboard.dash_calls import call, pattern_id
from tests.helpers import console_user, sign_in


def test_a_manager_cannot_open_or_send_a_refund(api, client):
    station = api.station()
    user = console_user(api, station_id=station["id"])
    assert sign_in(client, user["username"]).status_code == 302
    opened = call(client, f"{ids.REFUND_PANEL}.style", [[({"type": ids.REFUND_OPEN, "purchase": "pur_x"}, 1)], 0],
                  changed=pattern_id(purchase="pur_x", type=ids.REFUND_OPEN) + ".n_clicks")
    assert opened.status_code == 403
    target = {"purchase_id": "pur_x", "left": 700, "key": "console-1"}
    sent = call(client, f"{ids.REFUND_STATUS}.children", [1], [target, 7, "why", 0])
    assert sent.status_code == 403
