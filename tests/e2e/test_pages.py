"""Every page as each role sees it, in headless Chromium: axe-core finds no serious or critical
violation, each page is photographed at 1920×1080 (``test-artifacts/``), the walls stay whole at
1920×1080 and 1920×937, the map's labels stay inside the map and apart, a kiosk turns its period."""
from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.pages import axe_violations, cut_rows, label_problems, map_labels, set_viewport, settle
from tests.e2e.screen_helpers import now, post_traffic, text_of, wait_for
from tests.e2e.test_console import sign_in
from tests.helpers import console_user, restock

pytestmark = pytest.mark.e2e
LOCAL_TILES = "/screen/no-tiles/{z}/{x}/{y}.png"  # no tile server: the map must say so


@pytest.fixture(scope="module")
def axe_js() -> str:
    from bench.node import axe_script

    return axe_script()


@pytest.fixture(autouse=True)
def _wall_settings(settings, monkeypatch):
    monkeypatch.setattr(settings, "map_tiles", LOCAL_TILES)
    monkeypatch.setattr(settings, "screen_rotate_seconds", 2)


def _busy_centre(api, traffic) -> None:
    """Eight more drivers waiting in the city centre (labels that would pile up) and one far east."""
    a, b = traffic["stations"]
    cola = traffic["products"][0]
    spots = [(31.2330 + 0.002 * (i % 3), 121.4740 + 0.002 * (i // 3)) for i in range(8)] + [(31.2397, 121.6500)]
    for index, (lat, lng) in enumerate(spots):
        driver = api.driver(car_plate=f"沪B·C{index:04d}")
        driver["device"] = api.device(driver["id"])
        restock(api, driver, a if index % 2 else b, cola, 2)
        reply = api.post("/drivers/me/locations", {"points": [{"lat": lat, "lng": lng, "recorded_at": now()}]},
                         token=driver["api_key"])
        assert reply.status_code == 202


@pytest.fixture
def fleet(api):
    traffic = post_traffic(api)
    _busy_centre(api, traffic)
    a = traffic["stations"][0]
    return {"traffic": traffic,
            "wall": api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()["url"],
            "station_wall": api.post("/screens", {"label": "A", "station_id": a["id"]}).get_json()["url"],
            "admin": console_user(api, role="admin")["username"],
            "manager": console_user(api, station_id=a["id"])["username"]}


def _visit(browser, url: str, shot, name: str, axe_js: str, found: dict, ready: str | None = None) -> None:
    browser.get(url)
    settle(browser)
    if ready:
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ready), message=f"{ready} on {name}")
    browser.save_screenshot(str(shot / f"{name}.png"))
    found[name] = axe_violations(browser, axe_js)


def test_every_page_as_each_role_has_no_serious_axe_violation(fleet, live_server, browser, artifacts, axe_js):
    set_viewport(browser, 1920, 1080)
    found: dict[str, list] = {}
    browser.delete_all_cookies()
    for name, path, ready in (("anon-login", "/login", "#login-submit"),
                              ("anon-wall", fleet["wall"], "#hot-sellers .rank-row"),
                              ("anon-station-wall", fleet["station_wall"], "#pickup-queue .rank-row"),
                              ("anon-map", fleet["wall"] + "/map.html", ".driver-marker"),
                              ("anon-404", "/screen/k/bfk_unknown", ".code")):
        _visit(browser, live_server + path, artifacts, name, axe_js, found, ready)
    for role in ("admin", "manager"):
        sign_in(browser, live_server, fleet[role], "/console")
        pages = [("desk", "/console", "#console-queue .c-queue-row"), ("orders", "/console/orders", ".c-order-row"),
                 ("reports", "/console/reports", "#report-preview table"), ("screen", "/screen", ".rank-row")]
        pages.append(("devices", "/console/devices", ".ag-row") if role == "admin" else
                     ("devices-403", "/console/devices", ".code"))
        for name, path, ready in pages:
            _visit(browser, live_server + path, artifacts, f"{role}-{name}", axe_js, found, ready)
    (artifacts / "axe.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))  # per page, for the note
    assert {page: v for page, v in found.items() if v} == {}


def test_walls_are_whole_at_both_heights_and_map_labels_stay_apart_inside(fleet, live_server, browser, artifacts):
    browser.delete_all_cookies()
    for height in (1080, 937):
        for name in ("wall", "station_wall"):
            set_viewport(browser, 1920, height)
            browser.get(live_server + fleet[name])
            wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#hot-sellers .rank-row"), message="hot sellers")
            wait_for(lambda: (map_labels(browser) or {}).get("labels"), message="the map's labels")
            wait_for(lambda: not label_problems(map_labels(browser)), timeout=6,
                     message=f"labels apart and inside the map: {label_problems(map_labels(browser))}")
            assert cut_rows(browser) == [], f"{name} at 1920×{height}"
            if name == "station_wall":  # numbered by place in the queue, however it was drawn (stream or poll)
                places = wait_for(lambda: [e.text for e in browser.find_elements(
                    By.CSS_SELECTOR, "#pickup-queue .rank-no")], message="the pickup queue")
                assert places == [str(n) for n in range(1, len(places) + 1)] and len(places) == 5, places
            assert browser.execute_script("return [document.documentElement.scrollWidth,"
                                          " document.documentElement.scrollHeight]") == [1920, height]
            browser.save_screenshot(str(artifacts / f"{name.replace('_', '-')}-1920x{height}.png"))
    labels = map_labels(browser)
    assert labels["labels"], labels  # some stay on the map; the rest show on hover
    browser.switch_to.frame(browser.find_element(By.ID, "driver-map"))
    try:  # no tile server answers: the map says so rather than showing a dark void
        note = wait_for(lambda: browser.find_element(By.ID, "bf-note-tiles").text, message="the no-tiles note")
        assert "Map tiles unavailable" in note
        assert len(browser.find_elements(By.CSS_SELECTOR, ".station-marker .bf-station")) == 1  # stations: squares, not dots
    finally:
        browser.switch_to.default_content()
    set_viewport(browser, 1920, 1080)


def test_a_kiosk_turns_its_hot_sellers_period_and_a_desk_chart_has_a_category_axis(fleet, live_server, browser):
    browser.delete_all_cookies()
    browser.get(live_server + fleet["wall"])
    checked = "#hot-period input:checked"
    assert wait_for(lambda: browser.find_element(By.CSS_SELECTOR, checked).get_attribute("value")) == "day"
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, checked).get_attribute("value") == "week", timeout=8,
             message="the period to turn to week")
    wait_for(lambda: text_of(browser, "retail-today") not in ("", "—"), message="passenger sales under the tiles")
    assert text_of(browser, "retail-today") == "¥7.00"  # the one purchase of post_traffic: 2 × Cola at ¥3.50
    sign_in(browser, live_server, fleet["admin"], "/console")
    wait_for(lambda: browser.execute_script(
        f"const g = document.querySelector('#console-sales-7d .js-plotly-plot');"
        f"return g && g.layout && g.layout.xaxis.type"), message="the desk chart") == "category"
    ticks = browser.execute_script("return [...document.querySelectorAll('#console-sales-7d .xtick text')]"
                                   ".map(t => t.textContent)")
    assert len(ticks) == 7 and all(len(t) == 5 and t[2] == "-" for t in ticks), ticks  # MM-DD, one per day
