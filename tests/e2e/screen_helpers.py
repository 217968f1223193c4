"""Known traffic for the screen tests, posted through the real API, and page readers."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By

from dashboard.screen.format import money

KPI_IDS = {"today": "kpi-today", "week": "kpi-week", "month": "kpi-month", "year": "kpi-year", "total": "kpi-total"}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def post_traffic(api) -> dict:
    """Two stations, three drivers: two with orders awaiting pickup (on the map), one picked up."""
    a = api.station(name="人民广场 People's Square", lat=31.2323, lng=121.4737)
    b = api.station(name="陆家嘴 Lujiazui", lat=31.2397, lng=121.4998)
    cola = api.product(name="Cola 330ml", supply_price_cents=210, retail_price_cents=350)
    chips = api.product(name="Chips 70g", supply_price_cents=480, retail_price_cents=750)
    water = api.product(name="Water 550ml", supply_price_cents=90, retail_price_cents=200)
    for station in (a, b):
        api.stock(station["id"], [{"sku": p["sku"], "quantity": 500, "on_shelf": True} for p in (cola, chips, water)])
    drivers = []
    for plate in ("沪A·E2E01", "沪A·E2E02", "沪A·E2E03"):
        driver = api.driver(car_plate=plate)
        driver["device"] = api.device(driver["id"])
        drivers.append(driver)
    one, two, three = drivers

    def restock(driver, station, lines, key):
        body = {"items": [{"station_id": station["id"], "sku": p["sku"], "quantity": q} for p, q in lines],
                "payment": {"method": "alipay", "reference": key}}
        reply = api.post("/replenishments", body, token=driver["api_key"], headers={"Idempotency-Key": key})
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()["orders"][0]

    restock(one, a, [(cola, 40), (chips, 5)], "e2e-1")      # ¥84.00 + ¥24.00 at A
    restock(two, b, [(water, 30), (cola, 10)], "e2e-2")     # ¥27.00 + ¥21.00 at B
    done = restock(three, a, [(chips, 12)], "e2e-3")        # ¥57.60 at A, then picked up
    assert api.post(f"/replenishments/{done['id']}/pickup", {}, token=a["api_key"]).status_code == 200
    for driver, (lat, lng) in ((one, (31.2200, 121.4600)), (two, (31.2450, 121.5100)), (three, (31.2000, 121.4400))):
        reply = api.post("/drivers/me/locations", {"points": [{"lat": lat, "lng": lng, "recorded_at": now()}]},
                         token=driver["api_key"])
        assert reply.status_code == 202, reply.get_json()
    sale = api.post("/purchases", {"occurred_at": now(), "items": [{"sku": cola["sku"], "quantity": 2}],
                                   "payment": {"method": "wechat", "reference": "e2e-sale"}},
                    token=one["device"]["api_key"], headers={"Idempotency-Key": "e2e-sale"})
    assert sale.status_code == 201, sale.get_json()
    return {"stations": (a, b), "drivers": drivers, "products": (cola, chips, water)}


def expected_kpis(api, scope: str) -> dict:
    summary = api.get(f"/stats/summary?scope={scope}&kind=wholesale").get_json()
    return {dom_id: money(summary[key]["amount_cents"]) for key, dom_id in KPI_IDS.items()}


def expected_hot_sellers(api, station_id: int | None = None, period: str = "day") -> list[str]:
    # limit=8: the rows the panel has
    query = f"/rankings/products?kind=wholesale&period={period}&by=amount&limit=8" \
        + (f"&station_id={station_id}" if station_id else "")
    return [item["name"] for item in api.get(query).get_json()["items"]]


def wait_for(check, timeout: float = 10.0, interval: float = 0.2, message: str = "condition"):
    """Poll ``check`` until it returns something truthy (the wall refreshes every 1.5 s)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (StaleElementReferenceException, WebDriverException) as exc:  # Dash replaced the node
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}; last value: {last!r}")


def text_of(browser, dom_id: str) -> str:
    return browser.find_element(By.ID, dom_id).text


def kpis_on_screen(browser) -> dict:
    return {dom_id: text_of(browser, dom_id) for dom_id in KPI_IDS.values()}


def hot_sellers_on_screen(browser) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#hot-sellers .rank-name")]


def stations_on_screen(browser) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#station-ranking .rank-name")]


def drivers_on_map(browser):
    """(driver ids, driver labels, station labels) on the map, read inside its iframe; None before the first poll."""
    browser.switch_to.frame(browser.find_element(By.ID, "driver-map"))
    try:
        ids = browser.execute_script("return document.body.getAttribute('data-drivers')")
        # textContent, not .text: a label outside the map's current view is still on the map
        labels = [e.get_attribute("textContent").strip()
                  for e in browser.find_elements(By.CSS_SELECTOR, ".driver-label")]
        stations = [e.get_attribute("textContent").strip()
                    for e in browser.find_elements(By.CSS_SELECTOR, ".station-label")]
    finally:
        browser.switch_to.default_content()
    return (sorted(ids.split(",")) if ids else [], labels, stations) if ids is not None else None
