"""Summary, series and rankings through the HTTP API, on small traffic with known figures."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from analytics import periods
from tests.analytics.traffic import ago, build_fleet


@pytest.fixture
def fleet(api):
    return build_fleet(api)


def today(store) -> date:
    return periods.today(store.settings.tz)


def test_summary_counts_orders_per_scope_and_cancels_count_nowhere(fleet, store):
    s1, s2 = fleet.stations[0]["id"], fleet.stations[1]["id"]
    p1, p2 = fleet.products[0], fleet.products[1]  # supply 90 and 113
    driver = fleet.drivers[0]
    kept = fleet.order(driver, [(s1, p1["sku"], 2), (s2, p2["sku"], 3)])  # two orders: 180 at s1, 339 at s2
    gone = fleet.order(driver, [(s1, p2["sku"], 1)])
    fleet.cancel(gone["orders"][0]["id"], token=driver["api_key"])

    platform = fleet.get("/stats/summary", scope="platform", kind="wholesale")
    assert platform["scope"] == "platform" and platform["kind"] == "wholesale"
    assert platform["as_of"].endswith("+08:00")
    for name in ("today", "week", "month", "year", "total"):
        assert platform[name] == {"amount_cents": 180 + 339, "units": 5, "orders": 2}, name
    station = fleet.get("/stats/summary", scope=f"station:{s1}", kind="wholesale")
    assert station["total"] == {"amount_cents": 180, "units": 2, "orders": 1}
    mine = fleet.get("/stats/summary", scope=f"driver:{driver['id']}", kind="wholesale", token=driver["api_key"])
    assert mine["today"] == {"amount_cents": 519, "units": 5, "orders": 2}
    assert fleet.get("/stats/summary", scope="platform", kind="retail")["total"] == {
        "amount_cents": 0, "units": 0, "orders": 0}


def test_late_purchases_land_in_their_own_day_and_the_series_is_zero_filled(fleet, store):
    device = fleet.devices[0]
    p = fleet.products[0]  # retail 150
    fleet.purchase(device, [(p["sku"], 2)])
    three_days_ago = datetime.now(store.settings.tz) - timedelta(days=3)
    fleet.purchase(device, [(p["sku"], 1)], occurred_at=three_days_ago.isoformat())
    series = fleet.get("/series/daily", scope=f"device:{device['id']}", kind="retail", days=7)
    assert [pt["date"] for pt in series["points"]] == [(today(store) - timedelta(days=6 - i)).isoformat()
                                                        for i in range(7)]
    amounts = [pt["amount_cents"] for pt in series["points"]]
    assert amounts == [0, 0, 0, 150, 0, 0, 300]
    assert series["total_cents"] == 450
    assert series["points"][3] == {"date": three_days_ago.date().isoformat(), "amount_cents": 150, "units": 1,
                                   "orders": 1}
    end = today(store) - timedelta(days=3)
    assert fleet.get("/series/daily", scope="platform", kind="retail", days=1, end=end.isoformat())["points"] == [
        {"date": end.isoformat(), "amount_cents": 150, "units": 1, "orders": 1}]


def test_product_ranking_sorts_by_figure_then_product_id(fleet, store):
    s1 = fleet.stations[0]["id"]
    a, b, c = fleet.products[0], fleet.products[1], fleet.products[2]  # supply 90, 113, 136
    # by amount: a 360, c 272, b 226; by units a 4, then b and c tie on 2
    fleet.order(fleet.drivers[0], [(s1, a["sku"], 4), (s1, b["sku"], 2), (s1, c["sku"], 2)])
    by_amount = fleet.get("/rankings/products", kind="wholesale", period="day", by="amount")
    assert [(i["rank"], i["product_id"], i["amount_cents"], i["units"]) for i in by_amount["items"]] == [
        (1, a["id"], 360, 4), (2, c["id"], 272, 2), (3, b["id"], 226, 2)]
    assert by_amount["items"][0]["sku"] == a["sku"] and by_amount["items"][0]["name"] == a["name"]
    assert by_amount["period_key"] == today(store).isoformat()
    by_units = fleet.get("/rankings/products", kind="wholesale", period="week", by="units", limit=2)
    assert [i["product_id"] for i in by_units["items"]] == [a["id"], b["id"]]  # b before c: lower id wins the tie
    assert by_units["period_key"] == periods.period_key("week", today(store))
    station_only = fleet.get("/rankings/products", kind="wholesale", period="total", station_id=fleet.stations[1]["id"])
    assert station_only["items"] == [] and station_only["period_key"] == "total"


def test_station_and_driver_rankings_carry_units_and_orders(fleet, store):
    s1, s2, s3 = (s["id"] for s in fleet.stations)
    p = fleet.products[0]  # supply 90, retail 150
    fleet.order(fleet.drivers[0], [(s2, p["sku"], 2)])
    fleet.order(fleet.drivers[1], [(s2, p["sku"], 1), (s1, p["sku"], 3)])
    fleet.order(fleet.drivers[2], [(s3, p["sku"], 3)])
    ranking = fleet.get("/rankings/stations", period="month")
    assert [(i["rank"], i["station_id"], i["amount_cents"], i["units"], i["orders"]) for i in ranking["items"]] == [
        (1, s1, 270, 3, 1), (2, s2, 270, 3, 2), (3, s3, 270, 3, 1)]  # equal amounts: by station id
    assert ranking["items"][0]["name"] == fleet.stations[0]["name"]
    fleet.purchase(fleet.devices[1], [(p["sku"], 2)])
    fleet.purchase(fleet.devices[1], [(p["sku"], 1)])
    drivers = fleet.get("/rankings/drivers", period="year")
    assert drivers["items"] == [{"rank": 1, "driver_id": fleet.drivers[1]["id"], "name": fleet.drivers[1]["name"],
                                 "amount_cents": 450, "units": 3, "orders": 2}]
    assert drivers["period"] == "year" and drivers["period_key"] == str(today(store).year)


def test_ad_stats_count_plays_completion_and_revenue(fleet, store):
    ad0, ad1 = fleet.ads  # expected 40 and 41 plays, 12 and 13 fen a play
    fleet.ad_plays(fleet.devices[0], [(ad0["id"], ago(minutes=5))] * 4 + [(ad1["id"], ago(minutes=1))] * 10)
    fleet.ad_plays(fleet.devices[1], [(ad0["id"], ago(days=2))] * 6)
    day = fleet.get("/ads/stats", period="day")
    assert [(i["ad_id"], i["plays"], i["revenue_cents"]) for i in day["items"]] == [(ad1["id"], 10, 130),
                                                                                      (ad0["id"], 4, 48)]
    total = fleet.get("/ads/stats", period="total", limit=1)
    assert total["items"] == [{"ad_id": ad0["id"], "title": "Ad 0", "advertiser": "ACME", "plays": 10,
                               "expected_plays": 40, "completion_ratio": 0.25, "revenue_cents": 120}]
