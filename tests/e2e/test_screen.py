"""The big screen in real headless Chromium, against known traffic posted through the API.

What a person checks at the wall: the KPIs equal /stats/summary, hot sellers in
the order of /rankings/products, the drivers awaiting pickup on the map, a
station's link showing only that station, a revoked link refused.
"""
from __future__ import annotations

import time

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.e2e.screen_helpers import (drivers_on_map, expected_hot_sellers, expected_kpis, hot_sellers_on_screen,
                                      kpis_on_screen, post_traffic, stations_on_screen, text_of, wait_for)

pytestmark = pytest.mark.e2e
LOCAL_TILES = "/screen/no-tiles/{z}/{x}/{y}.png"  # tests never reach out to a public tile server
MAP_STATE = """
const layer = window.bfDrivers, map = layer && layer._map, c = map && map.getContainer();
if (!map) return "no map";
const r = c.getBoundingClientRect();
return {size: [map.getSize().x, map.getSize().y], box: [r.width, r.height], window: [innerWidth, innerHeight], zoom: map.getZoom(),
        bounds: map.getBounds().toBBoxString(), fitted: !!layer.bfFitted,
        markers: Array.from(document.querySelectorAll(".driver-marker")).map(e => {
          const b = e.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; })};
"""


@pytest.fixture(autouse=True)
def _offline_tiles(settings, monkeypatch):
    monkeypatch.setattr(settings, "map_tiles", LOCAL_TILES)


def _open(browser, url: str):
    browser.get(url)
    wait_for(lambda: text_of(browser, "last-updated") not in ("", "—"), message="the first refresh")


def _markers_in_view(browser):
    """Wait until the map has fitted its view around the waiting drivers (for the screenshot)."""
    browser.switch_to.frame(browser.find_element(By.ID, "driver-map"))
    try:
        try:
            wait_for(lambda: all(e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, ".driver-marker")),
                     message="driver markers in the map's view")
        except AssertionError as exc:  # what the map thought it was showing, to tell a bad fit from a bad frame
            raise AssertionError(f"{exc}; map: {browser.execute_script(MAP_STATE)}") from None
    finally:
        browser.switch_to.default_content()


def test_platform_wall_shows_the_api_figures(api, live_server, browser, artifacts, store, monkeypatch):
    traffic = post_traffic(api)
    one, two, three = traffic["drivers"]
    screen = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()
    _open(browser, live_server + screen["url"])

    expected = expected_kpis(api, "platform")
    assert expected["kpi-today"] == "¥213.60"  # 84 + 24 + 27 + 21 + 57.60: what the fixtures bought
    wait_for(lambda: kpis_on_screen(browser) == expected, message=f"KPIs {expected}")
    hot = expected_hot_sellers(api)
    assert len(hot) == 3
    wait_for(lambda: hot_sellers_on_screen(browser) == hot, message=f"hot sellers {hot}")
    browser.find_element(By.XPATH, "//*[@id='hot-period']//label[normalize-space()='Total']").click()
    total = expected_hot_sellers(api, period="total")
    wait_for(lambda: hot_sellers_on_screen(browser) == total, message=f"all-time hot sellers {total}")
    browser.find_element(By.XPATH, "//*[@id='hot-period']//label[normalize-space()='Day']").click()
    stations = ["人民广场 People's Square", "陆家嘴 Lujiazui"]
    wait_for(lambda: stations_on_screen(browser) == stations, message=f"stations {stations}")
    on_map = wait_for(lambda: drivers_on_map(browser), message="the driver layer's first poll")
    assert on_map[0] == sorted([str(one["id"]), str(two["id"])])  # the picked-up driver is not waiting
    assert any("沪A·E2E01" in label and "km" in label for label in on_map[1]), on_map
    assert len(on_map[2]) == 2
    # The wall fits the screen: nothing scrolls at 1920×1080.
    assert browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [1920, 1080]
    _markers_in_view(browser)
    browser.save_screenshot(str(artifacts / "screen.png"))

    # Redis goes down: the wall says so and keeps its figures.
    from store.redis import make_redis

    # Redis goes down: the live stream drops (its subscriber loses Redis), the wall says it is
    # reconnecting, its fallback poll says why, and it keeps its figures.
    from stream import hub_for

    assert browser.find_element(By.ID, "screen-live").get_attribute("data-stream-state") == "live"
    live_redis = store.redis
    monkeypatch.setattr(store, "redis", make_redis("redis://127.0.0.1:9/0"))
    _cut_subscription(hub_for(store), live_redis)  # the subscriber's connection goes with the server
    wait_for(lambda: "Reconnecting" in text_of(browser, "screen-status") or "Redis" in text_of(browser, "screen-status"),
             message="the reconnecting notice")
    wait_for(lambda: "Redis" in text_of(browser, "screen-status"), timeout=20, message="the Redis-down notice")
    assert kpis_on_screen(browser) == expected
    monkeypatch.undo()
    wait_for(lambda: browser.find_element(By.ID, "screen-live").get_attribute("data-stream-state") == "live",
             timeout=40, message="the stream back by itself")
    wait_for(lambda: text_of(browser, "screen-status") == "", message="the notice to clear")

    # A sale moves the wall by the stream: 201 to the figure on the screen, timed.
    driver = traffic["drivers"][1]
    cola = traffic["products"][0]
    before = text_of(browser, "kpi-today")
    body = {"items": [{"station_id": traffic["stations"][1]["id"], "sku": cola["sku"], "quantity": 10}],
            "payment": {"method": "alipay", "reference": "e2e-live"}}
    reply = api.post("/replenishments", body, token=driver["api_key"], headers={"Idempotency-Key": "e2e-live"})
    sent = time.monotonic()
    assert reply.status_code == 201, reply.get_json()
    wait_for(lambda: text_of(browser, "kpi-today") != before, timeout=5, interval=0.01, message="the new figure")
    print(f"\n201 to the wall's kpi-today changing in Chromium: {(time.monotonic() - sent) * 1000:.0f} ms")
    assert text_of(browser, "kpi-today") == expected_kpis(api, "platform")["kpi-today"]

    # Revoked: the open wall goes blank at its next refresh, and the link answers 404.
    assert api.delete(f"/screens/{screen['id']}").status_code == 204
    wait_for(lambda: "no longer valid" in text_of(browser, "screen-status"), message="the revoked notice")
    assert requests.get(live_server + screen["url"], timeout=5).status_code == 404


def test_station_kiosk_shows_only_its_station(api, live_server, browser):
    traffic = post_traffic(api)
    a, b = traffic["stations"]
    one = traffic["drivers"][0]
    screen = api.post("/screens", {"label": "A", "station_id": a["id"]}).get_json()
    _open(browser, live_server + screen["url"])

    assert text_of(browser, "screen-scope") == a["name"]
    expected = expected_kpis(api, f"station:{a['id']}")
    assert expected["kpi-today"] == "¥165.60"  # 84 + 24 + 57.60 at A only
    wait_for(lambda: kpis_on_screen(browser) == expected, message=f"KPIs {expected}")
    hot = expected_hot_sellers(api, a["id"])
    wait_for(lambda: hot_sellers_on_screen(browser) == hot, message=f"hot sellers {hot}")
    assert "Water 550ml" not in hot  # sold only at B
    wait_for(lambda: stations_on_screen(browser) == [a["name"]], message="only this station's row")
    on_map = wait_for(lambda: drivers_on_map(browser), message="the driver layer's first poll")
    assert on_map[0] == [str(one["id"])]
    assert on_map[2] == [a["name"]]  # only this station's marker
    assert b["name"] not in browser.find_element(By.TAG_NAME, "body").text


def _cut_subscription(hub, client) -> None:
    """Close the hub's subscription from the server's side, as a Redis restart does. (Closing it
    from this thread raced the subscriber's own read inside redis-py.)"""
    local = hub.pubsub.connection._sock.getsockname()
    if isinstance(local, tuple):  # TCP: the server knows the client by its address
        client.client_kill_filter(addr=f"{local[0]}:{local[1]}")
    else:  # a Unix socket (the embedded Redis of this test session): its pub/sub clients
        client.client_kill_filter(_type="pubsub")
