"""The console's alerts: the page and its badge show the manager's own open alerts; acknowledging one
by callback works for its station only; the devices page shows restock suggestions beside the stock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from analytics.alerts import evaluate
from dashboard.console import ids
from tests.dashboard.dash_calls import call, outputs, pattern_id
from tests.helpers import console_user, restock, sign_in


@pytest.fixture
def low(api, store):
    """Two stations whose cola runs low: an alert each."""
    a, b = api.station(name="Depot A"), api.station(name="Depot B")
    cola = api.product(name="Cola")
    driver = api.driver(name="Wang")
    device = api.device(driver["id"])
    for station in (a, b):
        api.stock(station["id"], [{"sku": cola["sku"], "quantity": 12, "on_shelf": True}])
        restock(api, driver, station, cola, 5)
    evaluate(store, datetime.now(timezone.utc), kinds=("station_stock_low",))
    by_station = {x["station_id"]: x["id"] for x in api.get("/alerts").get_json()["items"]}
    return {"a": a, "b": b, "cola": cola, "driver": driver, "device": device, "alert_a": by_station[a["id"]],
            "alert_b": by_station[b["id"]]}


def render(client, path):
    """The page's layout as Dash's router builds it for this browser's session."""
    return str(outputs(call(client, "_pages_content.children", [path, ""])))


def ack(client, alert_id):
    value = [({"type": ids.ALERT_ACK, "alert": alert_id}, 1)]
    return call(client, f"{ids.ALERTS_TABLE}.children", [value, None],
                changed=f"{pattern_id(alert=alert_id, type=ids.ALERT_ACK)}.n_clicks")


def test_a_manager_sees_the_own_alerts_with_a_badge_and_acknowledges_them(client, api, low):
    user = console_user(api, station_id=low["a"]["id"])
    sign_in(client, user["username"])
    assert client.get("/console/alerts").status_code == 200
    rendered = render(client, "/console/alerts")
    assert f"alert-row-{low['alert_a']}" in rendered and f"alert-row-{low['alert_b']}" not in rendered
    assert ids.ALERTS_BADGE in rendered and "'children': '1'" in rendered  # the badge: one open alert of theirs
    refused = outputs(ack(client, low["alert_b"]))
    assert "own station" in str(refused[f"{ids.ALERTS_STATUS}.children"])
    assert api.get(f"/alerts?status=acknowledged").get_json()["total"] == 0
    done = outputs(ack(client, low["alert_a"]))
    assert "Acknowledged" in str(done[f"{ids.ALERTS_TABLE}.children"])
    assert [x["id"] for x in api.get("/alerts?status=acknowledged").get_json()["items"]] == [low["alert_a"]]


def test_the_alerts_page_reads_its_list_again_when_its_stream_brings_an_alert(client, api, store, low):
    """An alert resolved elsewhere while the page is open: the stream's message (live.js puts it in the
    page's store) redraws the table and its count, with no reload and no click."""
    user = console_user(api, station_id=low["a"]["id"])
    sign_in(client, user["username"])
    rendered = render(client, "/console/alerts")
    assert f"alert-row-{low['alert_a']}" in rendered and "1 条未解决" in rendered
    assert ids.ALERTS_LIVE in rendered  # the page's store, which its stream feeds
    api.stock(low["a"]["id"], [{"sku": low["cola"]["sku"], "quantity": 100, "on_shelf": True}])
    evaluate(store, datetime.now(timezone.utc), kinds=("station_stock_low",))  # restocked: the alert clears
    live = outputs(call(client, f"{ids.ALERTS_TABLE}.children", [[], {"items": [{"kind": "alert"}]}],
                        changed=f"{ids.ALERTS_LIVE}.data"))
    assert f"alert-row-{low['alert_a']}" not in str(live[f"{ids.ALERTS_TABLE}.children"])
    assert "All is well" in str(live[f"{ids.ALERTS_TABLE}.children"])
    assert live[f"{ids.ALERTS_COUNT}.children"] == "0 条未解决 open"


def test_the_devices_page_shows_restock_suggestions_beside_the_stock(client, api, low):
    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    order = api.get(f"/orders?station_id={low['a']['id']}").get_json()["items"][0]
    api.post(f"/replenishments/{order['id']}/pickup", {})
    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    sale = api.post("/purchases", {"occurred_at": two_days_ago, "items": [{"sku": low["cola"]["sku"], "quantity": 3}],
                                   "payment": {"method": "cash"}},
                    token=low["device"]["api_key"], headers={"Idempotency-Key": "console-restock-1"})
    assert sale.status_code == 201, sale.get_json()
    device = api.get("/devices").get_json()["items"][0]
    got = str(outputs(call(client, f"{ids.DEVICES_STOCK}.children", [{"rowId": str(device["id"]), "colId": "serial"}])))
    assert f"device-stock-{device['id']}" in got and f"device-restock-{device['id']}" in got
    suggestion = api.get(f"/devices/{device['id']}/restock").get_json()["items"][0]
    assert suggestion["sku"] == low["cola"]["sku"] and suggestion["units_per_day"] == round(3 / 28, 3)
    assert f"{suggestion['units_per_day']:.2f}" in got and "0.11" in got
