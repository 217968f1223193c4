"""Getting to the wall in a real browser: sign-in for /screen, kiosk links, revocation."""
from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.e2e.screen_helpers import text_of, wait_for

pytestmark = pytest.mark.e2e
PASSWORD = "wall-password-1"


@pytest.fixture(autouse=True)
def _offline_tiles(settings, monkeypatch):
    monkeypatch.setattr(settings, "map_tiles", "/screen/no-tiles/{z}/{x}/{y}.png")


def test_screen_asks_for_sign_in_then_shows_the_platform_wall(api, live_server, browser):
    api.station(name="Sign-in Depot")
    assert api.post("/users", {"username": "wall", "password": PASSWORD, "role": "admin"}).status_code == 201
    browser.delete_all_cookies()
    browser.get(live_server + "/screen")
    wait_for(lambda: "/login" in browser.current_url, message="the sign-in redirect")
    browser.find_element(By.NAME, "username").send_keys("wall")
    password = browser.find_element(By.NAME, "password")
    password.send_keys(PASSWORD)
    password.submit()
    wait_for(lambda: browser.current_url.rstrip("/").endswith("/screen"), message="back on /screen")
    assert wait_for(lambda: text_of(browser, "screen-scope"), message="the wall") == "全平台 Platform"
    browser.switch_to.frame(browser.find_element(By.ID, "driver-map"))
    try:  # the map document and its driver feed are served to the session, not only to kiosk links
        labels = wait_for(lambda: [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".station-label")],
                          message="the map's stations")
    finally:
        browser.switch_to.default_content()
    assert labels == ["Sign-in Depot"]
    browser.delete_all_cookies()


def test_revoked_kiosk_link_goes_blank_and_is_refused(api, live_server, browser):
    station = api.station(name="Revoked Depot")
    screen = api.post("/screens", {"label": "Gate", "station_id": station["id"]}).get_json()
    browser.get(live_server + screen["url"])
    assert wait_for(lambda: text_of(browser, "screen-scope"), message="the wall") == "Revoked Depot"
    assert api.delete(f"/screens/{screen['id']}").status_code == 204
    wait_for(lambda: "no longer valid" in text_of(browser, "screen-status"), message="the revoked notice")
    assert text_of(browser, "kpi-today") == "—"
    assert requests.get(live_server + screen["url"], timeout=5).status_code == 404
    browser.get(live_server + screen["url"])
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "页面不存在 Page not found" in page and "revoked" in page and "登录 Sign in" in page


def test_a_station_manager_sees_their_own_station_on_screen(api, live_server, browser):
    mine = api.station(name="Manager Depot")
    api.station(name="Someone Else's Depot")
    body = {"username": "boss", "password": PASSWORD, "role": "station_manager", "station_id": mine["id"]}
    assert api.post("/users", body).status_code == 201
    browser.delete_all_cookies()
    browser.get(live_server + "/login?next=/screen")
    browser.find_element(By.NAME, "username").send_keys("boss")
    password = browser.find_element(By.NAME, "password")
    password.send_keys(PASSWORD)
    password.submit()
    wait_for(lambda: browser.current_url.rstrip("/").endswith("/screen"), message="on /screen")
    assert wait_for(lambda: text_of(browser, "screen-scope"), message="the wall") == "Manager Depot"
    assert "Someone Else" not in browser.find_element(By.TAG_NAME, "body").text
    browser.delete_all_cookies()
