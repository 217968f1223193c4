"""The day roll in Asia/Shanghai: across a day, an ISO week, a month and a year; missed midnights."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from analytics import keys
from analytics.jobs.roll import KEEP_DAYS, day_roll, nightly_reconcile, push_closed_day
from store import jobruns
from tests.analytics.sales import at, days_between, open_shop, wrong_figures


@pytest.fixture
def shop(api, store):
    assert store.settings.timezone == "Asia/Shanghai"
    store.redis.set(keys.built(), "{}")  # an empty Redis over an empty database is a full build
    return open_shop(api, store)


def _mark_rolled(store, day: date):
    with store.transaction() as session:
        jobruns.set_marker(session, jobruns.LAST_ROLLED_DAY, day.isoformat(), at(store.settings.tz, "2026-01-01 00:00"))


def _closed(store, scope, kind) -> list[dict]:
    return [json.loads(raw) for raw in store.redis.lrange(keys.closed_days(scope, kind), 0, -1)]


def _totals(store, scope, kind, bucket) -> dict:
    amount, units, orders = store.redis.hmget(keys.totals(scope, kind, bucket), "amount", "units", "orders")
    return {"amount_cents": int(amount or 0), "units": int(units or 0), "orders": int(orders or 0)}


BOUNDARIES = {  # the last business day closed at midnight, and what else closes with it
    "day": date(2026, 11, 26),  # Thursday → Friday
    "week": date(2026, 11, 29),  # Sunday → Monday: ISO week 2026-W48 → W49
    "month": date(2026, 11, 30),  # November → December (and W49 goes on)
    "year": date(2026, 12, 31),  # 2026 → 2027, inside ISO week 2026-W53
}


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_the_roll_closes_the_day_and_makes_every_period_whole(shop, store, boundary):
    tz = store.settings.tz
    closing = BOUNDARIES[boundary]
    opening = closing + timedelta(days=1)
    device, driver, station = shop.devices[0], shop.drivers[0], shop.stations[0]
    shop.buy(device, [("COLA", 2)], at(tz, f"{closing} 23:59:50"))  # 700 fen, just before midnight
    shop.buy(device, [("CHIPS", 1)], at(tz, f"{opening} 00:00:10"))  # 800 fen, just after
    shop.order(driver, [(station, "WATER", 10)], at(tz, f"{closing} 23:59:59"))  # 900 fen
    shop.buy(shop.devices[1], [("WATER", 5)], at(tz, f"{closing} 12:00"), apply=False)  # 1000 fen, apply lost
    _mark_rolled(store, closing - timedelta(days=1))

    result = day_roll(store, at(tz, f"{opening} 00:00:30"))

    assert result["rolled"] == [closing.isoformat()] and result["drifted"] == 14
    assert wrong_figures(store, [closing, opening]) == []
    # the closed day went to the rolling lists, lost sale included
    assert _closed(store, "p", "retail") == [{"date": closing.isoformat(), "amount_cents": 1700, "units": 7,
                                              "orders": 2}]
    assert _closed(store, keys.station(station), "wholesale")[0]["amount_cents"] == 900
    assert _closed(store, keys.device(device), "retail")[0] == {"date": closing.isoformat(), "amount_cents": 700,
                                                               "units": 2, "orders": 1}
    # the new day, and the new week / month / year where they began, hold only the after-midnight sale
    for period in ("day",) + {"day": (), "week": ("week",), "month": ("month",), "year": ("month", "year")}[boundary]:
        from analytics import periods

        assert _totals(store, "p", "retail", periods.bucket(period, opening)) == {
            "amount_cents": 800, "units": 1, "orders": 1}, period
    with store.sessions() as session:
        assert jobruns.get_marker(session, jobruns.LAST_ROLLED_DAY) == closing.isoformat()
    # a second roll in the same night changes nothing
    again = day_roll(store, at(tz, f"{opening} 00:05"))
    assert again == {"rolled": [], "drifted": 0}
    assert len(_closed(store, "p", "retail")) == 1


def test_missed_midnights_are_caught_up_oldest_first(shop, store):
    tz = store.settings.tz
    first = date(2026, 11, 20)
    _mark_rolled(store, first - timedelta(days=1))
    for i in range(4):
        day = first + timedelta(days=i)
        shop.buy(shop.devices[0], [("COLA", i + 1)], at(tz, f"{day} 10:00"), apply=(i != 2))
    # the scheduler was down from the 20th to the 24th, 09:00
    result = day_roll(store, at(tz, "2026-11-24 09:00"))
    assert result["rolled"] == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    assert result["drifted"] == 14  # the lost sale of the 22nd
    assert [e["date"] for e in _closed(store, "p", "retail")] == ["2026-11-23", "2026-11-22", "2026-11-21",
                                                                 "2026-11-20"]
    assert [e["units"] for e in _closed(store, "p", "retail")] == [4, 3, 2, 1]
    assert wrong_figures(store, days_between(first, date(2026, 11, 23))) == []


def test_the_list_keeps_seven_days_and_a_late_sale_is_picked_up_at_night(shop, store):
    tz = store.settings.tz
    first = date(2026, 11, 10)
    _mark_rolled(store, first - timedelta(days=1))
    for i in range(10):
        shop.buy(shop.devices[0], [("COLA", 1)], at(tz, f"{first + timedelta(days=i)} 10:00"))
    day_roll(store, at(tz, "2026-11-20 00:01"))
    listed = _closed(store, "p", "retail")
    assert len(listed) == KEEP_DAYS and listed[0]["date"] == "2026-11-19" and listed[-1]["date"] == "2026-11-13"
    # an offline device uploads a sale of the 19th after the roll; the nightly reconcile picks it up
    shop.buy(shop.devices[0], [("CHIPS", 2)], at(tz, "2026-11-19 22:00"))
    nightly_reconcile(store, at(tz, "2026-11-20 04:00"))
    listed = _closed(store, "p", "retail")
    assert len(listed) == KEEP_DAYS and listed[0] == {"date": "2026-11-19", "amount_cents": 350 + 1600, "units": 3,
                                                      "orders": 2}


def test_scopes_without_sales_keep_no_list(shop, store):
    tz = store.settings.tz
    shop.buy(shop.devices[0], [("COLA", 1)], at(tz, "2026-11-10 10:00"))
    push_closed_day(store, date(2026, 11, 10))
    assert _closed(store, keys.device(shop.devices[0]), "retail")
    assert not store.redis.exists(keys.closed_days(keys.device(shop.devices[1]), "retail"))
    for day in days_between(date(2026, 11, 11), date(2026, 11, 17)):
        push_closed_day(store, day)
    # a week without a sale: the list is gone rather than seven zeros
    assert not store.redis.exists(keys.closed_days(keys.device(shop.devices[0]), "retail"))


def test_the_first_roll_ever_closes_yesterday(shop, store):
    tz = store.settings.tz
    shop.buy(shop.devices[0], [("COLA", 1)], at(tz, "2026-11-19 10:00"))
    assert day_roll(store, at(tz, "2026-11-20 00:01"))["rolled"] == ["2026-11-19"]
