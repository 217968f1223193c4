"""The console in headless Chromium: a manager picks up an order; an admin filters devices in the browser."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text

from dashboard.console import ids
from tests.e2e.screen_helpers import text_of, wait_for
from tests.helpers import PASSWORD, console_user, restock

pytestmark = pytest.mark.e2e


def sign_in(browser, live_server, username: str, page: str) -> None:
    browser.delete_all_cookies()
    browser.get(live_server + page)
    wait_for(lambda: "/login" in browser.current_url, message="the sign-in form")
    browser.find_element(By.NAME, "username").send_keys(username)
    password = browser.find_element(By.NAME, "password")
    password.send_keys(PASSWORD)
    password.submit()
    wait_for(lambda: browser.current_url.endswith(page), message=f"back on {page}")


def queue_rows(browser) -> list[str]:
    return [e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, f"#{ids.QUEUE} .c-queue-row")]


def test_manager_picks_up_an_order_and_sees_the_desk_change(api, live_server, browser, artifacts):
    station, other = api.station(name="虹桥 Hongqiao"), api.station(name="Other Depot")
    cola = api.product(name="可乐 Cola", supply_price_cents=210)
    for s in (station, other):
        api.stock(s["id"], [{"sku": cola["sku"], "quantity": 100, "on_shelf": True}])
    first, second = api.driver(name="王师傅 Wang"), api.driver(name="李师傅 Li")
    for d in (first, second):
        api.device(d["id"])
    older = restock(api, first, station, cola, 12)
    newer = restock(api, second, station, cola, 3)
    restock(api, first, other, cola, 5)  # another station's: never on this desk
    manager = console_user(api, station_id=station["id"])

    sign_in(browser, live_server, manager["username"], "/console")
    wait_for(lambda: text_of(browser, ids.KPI_AWAITING) == "2", message="two orders awaiting")
    # oldest first; read again if the live desk redraws the rows meanwhile (a stale element)
    wait_for(lambda: queue_rows(browser) == [f"queue-row-{older['id']}", f"queue-row-{newer['id']}"],
             message="the queue, oldest first")
    assert text_of(browser, ids.KPI_PICKED) == "0"
    assert text_of(browser, ids.KPI_AMOUNT) == "¥31.50"  # 15 × ¥2.10 ordered today at this station
    browser.save_screenshot(str(artifacts / "console-desk-before.png"))

    browser.find_element(By.CSS_SELECTOR, f"#queue-row-{older['id']} .c-btn.c-ok").click()
    wait_for(lambda: queue_rows(browser) == [f"queue-row-{newer['id']}"], message="the order leaving the queue")
    wait_for(lambda: text_of(browser, ids.KPI_AWAITING) == "1", message="awaiting 2 → 1")
    assert text_of(browser, ids.KPI_PICKED) == "1"
    assert "picked up" in text_of(browser, ids.ACTION_STATUS)
    browser.save_screenshot(str(artifacts / "console-desk-after.png"))
    assert api.get(f"/orders?station_id={station['id']}&status=picked_up").get_json()["total"] == 1

    # A driver orders: the desk shows it by the live stream (its poll is off while the stream is up).
    wait_for(lambda: text_of(browser, ids.LIVE_STATE) == "实时 Live", message="the desk's stream live")
    polls = callback_requests(browser)
    third = restock(api, second, station, cola, 4)
    wait_for(lambda: f"queue-row-{third['id']}" in queue_rows(browser), message="the new order by the stream")
    assert text_of(browser, ids.KPI_AWAITING) == "2"
    assert callback_requests(browser) - polls <= 3  # one refresh per change the stream announced, no ticks


def grid_rows(browser) -> int:
    return len(browser.find_elements(By.CSS_SELECTOR, f"#{ids.DEVICES_GRID} .ag-center-cols-container .ag-row"))


def callback_requests(browser) -> int:
    return browser.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component')).length")


def test_devices_page_pages_by_thirty_and_filters_in_the_browser(api, store, live_server, browser, artifacts):
    driver = api.driver(name="Fleet")
    devices = [api.device(driver["id"]) for _ in range(35)]
    for device in devices[:25]:  # 25 activated by a heartbeat ...
        assert api.post("/devices/me/heartbeat", {}, token=device["api_key"]).status_code == 200
    with store.transaction() as session:  # ... 8 of them last seen an hour ago: activated, offline
        session.execute(text("UPDATE devices SET last_seen_at = now() - interval '1 hour' WHERE id = ANY(:ids)"),
                        {"ids": [d["id"] for d in devices[:8]]})
    admin = console_user(api, role="admin")

    sign_in(browser, live_server, admin["username"], "/console/devices")
    wait_for(lambda: grid_rows(browser) == 30, message="30 rows on the first page")
    browser.save_screenshot(str(artifacts / "console-devices.png"))
    before = callback_requests(browser)

    def choose(group: str, value: str) -> None:
        browser.find_element(By.CSS_SELECTOR, f"#{group} input[value='{value}']").click()

    choose(ids.DEVICES_ONLINE, "yes")
    wait_for(lambda: grid_rows(browser) == 17, message="17 online devices")
    choose(ids.DEVICES_ONLINE, "all")
    choose(ids.DEVICES_ACTIVATED, "no")
    wait_for(lambda: grid_rows(browser) == 10, message="10 devices never activated")
    choose(ids.DEVICES_ACTIVATED, "yes")
    choose(ids.DEVICES_ONLINE, "no")
    wait_for(lambda: grid_rows(browser) == 8, message="8 activated but offline")
    assert callback_requests(browser) == before  # filtered in the browser: no request went out

    first = browser.find_element(By.CSS_SELECTOR, f"#{ids.DEVICES_GRID} .ag-center-cols-container .ag-row .ag-cell")
    first.click()  # a device's stock comes from the server on click
    wait_for(lambda: "stock" in text_of(browser, ids.DEVICES_STOCK), message="the device's stock")


def test_manager_downloads_a_report_and_browses_orders(api, live_server, browser, artifacts):
    import requests

    station = api.station(name="静安 Jing'an")
    cola = api.product(name="可乐 Cola", supply_price_cents=210)
    api.stock(station["id"], [{"sku": cola["sku"], "quantity": 100, "on_shelf": True}])
    driver = api.driver(name="赵师傅 Zhao")
    api.device(driver["id"])
    order = restock(api, driver, station, cola, 7)
    manager = console_user(api, station_id=station["id"])

    sign_in(browser, live_server, manager["username"], "/console/orders")
    wait_for(lambda: order["id"] in text_of(browser, ids.ORDERS_TABLE), message="the order in the list")
    browser.save_screenshot(str(artifacts / "console-orders.png"))

    browser.get(live_server + "/console/reports")
    link = wait_for(lambda: browser.find_element(By.ID, ids.REPORT_SALES_LINK).get_attribute("href"),
                    message="the download link")
    assert f"station_id={station['id']}" in link
    browser.save_screenshot(str(artifacts / "console-reports.png"))
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    download = requests.get(link, cookies=cookies, timeout=10)  # what the browser fetches on click
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.text.splitlines()[0] == "day,units,orders,amount_cents,amount"
    assert download.text.splitlines()[1].endswith(",7,1,1470,14.70")
