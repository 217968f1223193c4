"""Alerts by the live stream in headless Chromium, served as the product serves it (gunicorn): the
wall's strip and the console's badge follow alerts opened, acknowledged and resolved without a poll or
a reload (the wall's tick is off while the stream is live)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from selenium.webdriver.common.by import By

from analytics.alerts import evaluate
from tests.e2e.screen_helpers import wait_for
from tests.helpers import PASSWORD, console_user

pytestmark = pytest.mark.e2e


def raise_and_hand_off(store):
    """The scheduler's evaluation, then the hand-off that publishes its events."""
    store.committed.publish(evaluate(store, datetime.now(timezone.utc), kinds=("station_stock_low",)))


def strip(browser) -> tuple[bool, str]:
    return browser.execute_script("var e = document.getElementById('alert-strip');"
                                  "return e ? [e.hidden, e.textContent] : [null, ''];")


def badge(browser) -> str | None:
    return browser.execute_script("var e = document.getElementById('alerts-badge');"
                                  "return e && !e.hidden ? e.textContent : null;")


def manager_opens(api, server, browser, station, path: str) -> None:
    """The station's manager signs in on ``path`` and waits for the page's stream to be live."""
    manager = console_user(api, station_id=station["id"])
    browser.delete_all_cookies()
    browser.get(server.base + path)
    wait_for(lambda: "/login" in browser.current_url, message="the sign-in form")
    browser.find_element(By.NAME, "username").send_keys(manager["username"])
    password = browser.find_element(By.NAME, "password")
    password.send_keys(PASSWORD)
    password.submit()
    wait_for(lambda: browser.current_url.endswith(path), message=f"back on {path}")
    wait_for(lambda: browser.execute_script(
        "var e = document.getElementById('console-alert-stream'); return e && e.getAttribute('data-stream-state');")
        == "live", timeout=20, message="the console's stream live")


def test_the_wall_strip_follows_alerts_on_the_stream(api, store, server, browser):
    station = api.station(name="Strip depot")
    cola = api.product(name="Strip cola")
    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    kiosk = api.post("/screens", {"label": "Strip wall", "station_id": None}).get_json()
    browser.get(server.base + kiosk["url"])
    wait_for(lambda: browser.execute_script(
        "var e = document.getElementById('screen-live'); return e && e.getAttribute('data-stream-state');") == "live",
        timeout=20, message="the wall's stream live")
    wait_for(lambda: strip(browser)[0] is True, message="no strip while all is well")

    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 3, "on_shelf": True}])
    raise_and_hand_off(store)
    wait_for(lambda: "1 警告 warning" in strip(browser)[1], message="the strip showing the new alert")
    assert f"station #{station['id']}" in strip(browser)[1] and strip(browser)[0] is False

    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    raise_and_hand_off(store)
    wait_for(lambda: strip(browser)[0] is True, message="the strip gone with the resolution")


def test_the_console_badge_follows_alerts_on_the_stream(api, store, server, browser):
    station = api.station(name="Badge depot")
    cola = api.product(name="Badge cola")
    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    manager_opens(api, server, browser, station, "/console/orders")
    assert badge(browser) is None

    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 3, "on_shelf": True}])
    raise_and_hand_off(store)
    wait_for(lambda: badge(browser) == "1", message="the badge counting the new alert")
    (alert,) = api.get(f"/alerts?station_id={station['id']}&status=open").get_json()["items"]
    assert api.post(f"/alerts/{alert['id']}/ack").status_code == 200  # still unresolved: still counted
    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    raise_and_hand_off(store)
    wait_for(lambda: badge(browser) is None, message="the badge gone with the resolution")


def test_the_console_alerts_table_follows_alerts_on_the_stream(api, store, server, browser):
    """The manager keeps /console/alerts open: a new alert of the station gets its row, and the row
    goes when the alert resolves, without a reload (a reload would lose the marker set below)."""
    station = api.station(name="Table depot")
    cola = api.product(name="Table cola")
    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    manager_opens(api, server, browser, station, "/console/alerts")
    browser.execute_script("window.bfNoReload = true;")
    rows = "return document.querySelectorAll('#alerts-table tr[id^=alert-row-]').length;"
    assert browser.execute_script(rows) == 0

    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 3, "on_shelf": True}])
    raise_and_hand_off(store)
    wait_for(lambda: browser.execute_script(rows) == 1, message="the new alert's row")
    assert "1 条未解决" in browser.find_element(By.ID, "alerts-count").text
    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 30, "on_shelf": True}])
    raise_and_hand_off(store)
    wait_for(lambda: browser.execute_script(rows) == 0, message="the row gone with the resolution")
    assert browser.execute_script("return window.bfNoReload === true;")  # the same page all along
