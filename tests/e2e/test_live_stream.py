"""The live stream in real headless Chromium, served the way the product serves it (gunicorn, the
stream handed to the worker's hub): assets/live.js connects from a kiosk wall's page, a purchase's
201 reaches the page (timed and printed), the server stopped → "reconnecting", started again →
live by itself, a revoked link → the page stays off the stream."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import requests

from tests.e2e.screen_helpers import wait_for

pytestmark = pytest.mark.e2e


PROBE = """
var el = document.createElement("div");
el.id = "live-probe";
el.setAttribute("data-stream-url", arguments[0]);
el.setAttribute("data-stream-targets", "{}");
window.bfSeen = [];
el.addEventListener("bf-live", function (e) { window.bfSeen.push([Date.now(), e.detail.name, e.detail.data]); });
document.body.appendChild(el);
"""


def state(browser) -> str | None:
    return browser.execute_script("var e = document.getElementById('live-probe'); "
                                  "return e && e.getAttribute('data-stream-state');")


def seen_sale(browser, sale_id: str):
    for at, name, data in browser.execute_script("return window.bfSeen || [];"):
        if name == "sale" and data["id"] == sale_id:
            return at
    return None


def buy(server, device: dict, key: str) -> tuple[str, float]:
    body = {"occurred_at": datetime.now(timezone.utc).isoformat(), "items": [{"sku": device["sku"], "quantity": 1}],
            "payment": {"method": "cash", "reference": key}}
    reply = requests.post(server.base + "/api/v1/purchases", json=body, timeout=10,
                          headers={"Authorization": f"Bearer {device['api_key']}", "Idempotency-Key": key})
    at = time.time() * 1000
    assert reply.status_code == 201, reply.text
    return reply.json()["id"], at


def test_a_wall_page_streams_survives_a_server_restart_and_stops_when_revoked(api, server, browser):
    product = api.product(name="Live cola")
    driver = api.driver(car_plate="沪A·LIVE1")
    device = {**api.device(driver["id"]), "sku": product["sku"]}
    kiosk = api.post("/screens", {"label": "Live wall", "station_id": None}).get_json()
    browser.get(server.base + kiosk["url"])
    wait_for(lambda: browser.execute_script("return !!window.dash_clientside"), message="the Dash page")
    browser.execute_script(PROBE, f"/api/v1/stream?kiosk={kiosk['token']}")
    wait_for(lambda: state(browser) == "live", message="the stream open")
    wait_for(lambda: any(e[1] == "figures" for e in browser.execute_script("return window.bfSeen;")),
             message="the figures at once")

    sale_id, sent = buy(server, device, "live-1")
    arrived = wait_for(lambda: seen_sale(browser, sale_id), timeout=5, interval=0.01, message="the sale in the page")
    print(f"\n201 to the sale event in Chromium: {arrived - sent:.0f} ms")

    server.stop()
    wait_for(lambda: state(browser) == "reconnecting", timeout=15, message="the page saying it is reconnecting")
    server.start()
    wait_for(lambda: state(browser) == "live", timeout=60, message="the stream back by itself")
    sale_id, _ = buy(server, device, "live-2")
    wait_for(lambda: seen_sale(browser, sale_id), timeout=10, message="a sale after the restart")

    assert api.delete(f"/screens/{kiosk['id']}").status_code == 204
    wait_for(lambda: state(browser) == "reconnecting", timeout=10, message="the revoked link's stream ended")
    time.sleep(3)  # its retries are refused (401), so it never comes back
    assert state(browser) == "reconnecting"
    seen = json.dumps(browser.execute_script("return window.bfSeen;"))
    assert kiosk["token"] not in seen
