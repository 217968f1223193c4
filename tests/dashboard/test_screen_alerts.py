"""The wall's alert strip's list from the server (drawn in the browser with the stream's messages since,
tests/e2e/test_live_stream.py): nothing when all is well; the unresolved alerts and a watermark when not;
a station's kiosk gets only its station's alerts; a revoked link gets nothing."""
from __future__ import annotations

from datetime import datetime, timezone

from analytics.alerts import evaluate
from analytics.alerts.table import SETTLE_IDS
from dashboard.screen import ids
from tests.dashboard.dash_calls import call, outputs
from tests.helpers import restock


def strip(client, token):
    return call(client, f"{ids.STRIP_STATE}.data", [1, {"state": "live"}], [{"token": token}])


def listed(client, token):
    return outputs(strip(client, token))[f"{ids.STRIP_STATE}.data"]


def test_the_strip_is_empty_when_all_is_well_and_counts_by_severity_otherwise(api, client, store):
    a, b = api.station(name="Depot A"), api.station(name="Depot B")
    cola = api.product(name="Cola")
    driver = api.driver()
    for station in (a, b):
        api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    wall = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()["token"]
    kiosk_b = api.post("/screens", {"label": "B", "station_id": b["id"]}).get_json()
    got = listed(client, wall)
    assert got["items"] == [] and got["labels"]["newest"] == 3

    restock(api, driver, a, cola, 25)  # station A runs low: a warning
    evaluate(store, datetime.now(timezone.utc))
    got = listed(client, wall)
    assert [(x["alert_kind"], x["severity"], x["subject"]) for x in got["items"]] == [
        ("station_stock_low", "warning", {"type": "station", "id": a["id"]})]
    with store.engine.connect() as conn:  # the messages of later events are applied over it, and of the
        # newest ids' (a commit in flight as the list was read may hold a lower id than the newest)
        newest = conn.exec_driver_sql("SELECT max(id) FROM outbox").scalar()
    assert got["watermark"] == max(0, newest - SETTLE_IDS) < newest
    assert listed(client, kiosk_b["token"])["items"] == []  # not B's alert

    api.delete(f"/screens/{kiosk_b['id']}")
    assert strip(client, kiosk_b["token"]).status_code == 204  # revoked: nothing is sent


def test_an_alert_committed_just_after_the_list_was_read_is_not_below_its_watermark(api, client, store):
    """Ids are drawn at insert and commits land in any order: an event in flight while the strip's list
    is read, committed with a lower id than the newest one, must still be applied by the wall."""
    from sqlalchemy import text

    wall = api.post("/screens", {"label": "Race", "station_id": None}).get_json()["token"]
    with store.engine.connect() as slow:  # a use case's transaction, not committed yet
        slow.execute(text("INSERT INTO outbox (kind, payload) VALUES ('alert', '{}')"))
        in_flight = slow.execute(text("SELECT max(id) FROM outbox")).scalar()
        api.station(name="Committed meanwhile")  # a later id, committed first
        got = listed(client, wall)
        slow.commit()
    assert got["watermark"] < in_flight  # its message (id in_flight) arrives after the list: applied
