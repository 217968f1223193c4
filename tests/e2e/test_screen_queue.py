"""A station wall's pickup queue in headless Chromium: one drawing (assets/screen-live.js) for the
first load, the fallback poll and the stream, longest wait first, numbered by place; and the
stream's chart drawing, which leaves plotly alone when the bars are unchanged."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.screen_helpers import post_traffic, text_of, wait_for

pytestmark = pytest.mark.e2e
LOCAL_TILES = "/screen/no-tiles/{z}/{x}/{y}.png"  # tests never reach out to a public tile server
# The drawing itself, fed features as the first load, the poll and the stream feed it.
DRAW_QUEUE = """return window.dash_clientside.bfScreen.queueFeed({features: arguments[0]})
    .map(function (li) { return li.props.children.map(function (span) { return span.props.children; }); });"""


@pytest.fixture(autouse=True)
def _offline_tiles(settings, monkeypatch):
    monkeypatch.setattr(settings, "map_tiles", LOCAL_TILES)


def _feature(driver_id, since, distance, pending=1):
    return {"properties": {"driver_id": driver_id, "car_plate": f"P{driver_id}", "pending_orders": pending,
                           "oldest_pending_since": since, "distance_km": distance}}


def test_station_queue_is_drawn_at_first_load_longest_wait_first_numbered_by_place(api, live_server, browser):
    traffic = post_traffic(api)
    a, one = traffic["stations"][0], traffic["drivers"][0]
    browser.get(live_server + api.post("/screens", {"label": "A", "station_id": a["id"]}).get_json()["url"])
    wait_for(lambda: text_of(browser, "last-updated") not in ("", "—"), message="the first refresh")
    queue = wait_for(lambda: [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#pickup-queue .rank-name")],
                     message="the pickup queue's first drawing")
    assert queue == [one["car_plate"]]

    rows = browser.execute_script(DRAW_QUEUE, [_feature(1, "2026-11-28T10:30:00+08:00", 2.0, 3),
                                               _feature(2, "2026-11-28T09:00:00+08:00", None)])
    assert rows == [["1", "P2", "1 单 · —", "since 09:00"], ["2", "P1", "3 单 · 2.0 km", "since 10:30"]]
    six = [_feature(n, f"2026-11-28T10:0{n}:00+08:00", 1.0) for n in range(6)]
    assert [r[0] for r in browser.execute_script(DRAW_QUEUE, six)] == ["1", "2", "3", "4", "5"]  # room for five
    empty = browser.execute_script("return window.dash_clientside.bfScreen.queueFeed({features: []})")
    assert empty[0]["props"]["children"] == "暂无待取货 Nobody is waiting"


def test_a_stream_event_that_leaves_the_seven_days_as_they_are_does_not_redraw_the_chart(api, live_server, browser):
    """Redrawing plotly is the wall's longest task: screen-live.js sends the chart only when its bars change."""
    screen = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()
    browser.get(live_server + screen["url"])
    wait_for(lambda: browser.execute_script(
        "var c = document.getElementById('sales-7d'); return !!(c && c.querySelector('.main-svg'));"),
        message="the chart drawn")
    same, changed = browser.execute_script("""
        var ns = window.dash_clientside, chart = {data: [{x: ["12-01", "12-02"], y: [0, 1.5], text: ["", "¥2"]}]};
        function payload(cents) {
          var period = {amount_cents: 150, orders: 1};
          return {summary: {today: period, week: period, month: period, year: period, total: period},
                  series: {points: [{date: "2026-12-01", amount_cents: 0}, {date: "2026-12-02", amount_cents: cents}]},
                  as_of: "2026-12-02T10:00:00+08:00"};
        }
        function last(out) { return out[out.length - 1] === ns.no_update ? "no_update" : out[out.length - 1].data[0].y; }
        return [last(ns.bfScreen.figures(payload(150), "", "", "", "", "", chart)),
                last(ns.bfScreen.figures(payload(250), "", "", "", "", "", chart))];""")
    assert same == "no_update" and changed == [0, 2.5]
