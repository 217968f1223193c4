"""The wall's alert strip: nothing when all is well; counts by severity and the newest few when not;
a station's kiosk shows only its station's alerts; a revoked link gets nothing."""
from __future__ import annotations

from datetime import datetime, timezone

from analytics.alerts import evaluate
from dashboard.screen.alerts import STRIP
from tests.dashboard.dash_calls import call, outputs
from tests.helpers import restock


def strip(client, token):
    return call(client, f"{STRIP}.children", [1, 0], [{"token": token}])


def test_the_strip_is_empty_when_all_is_well_and_counts_by_severity_otherwise(api, client, store):
    a, b = api.station(name="Depot A"), api.station(name="Depot B")
    cola = api.product(name="Cola")
    driver = api.driver()
    for station in (a, b):
        api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    wall = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()["token"]
    kiosk_b = api.post("/screens", {"label": "B", "station_id": b["id"]}).get_json()
    got = outputs(strip(client, wall))
    assert got[f"{STRIP}.hidden"] is True and "warning" not in str(got[f"{STRIP}.children"])

    restock(api, driver, a, cola, 25)  # station A runs low: a warning
    evaluate(store, datetime.now(timezone.utc))
    got = outputs(strip(client, wall))
    text = str(got[f"{STRIP}.children"])
    assert got[f"{STRIP}.hidden"] is False
    assert "1 警告 warning" in text and f"station #{a['id']}" in text and "critical" not in text
    assert outputs(strip(client, kiosk_b["token"]))[f"{STRIP}.hidden"] is True  # not B's alert

    api.delete(f"/screens/{kiosk_b['id']}")
    assert strip(client, kiosk_b["token"]).status_code == 204  # revoked: nothing is sent
