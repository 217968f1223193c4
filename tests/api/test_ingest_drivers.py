"""Driver side and device side of ingest: GPS points, check-in, activity, heartbeat, ad plays."""
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.ingest.world import ADMIN, key, outbox, problem, rows, scalar, stamp, world  # noqa: F401


def today(store) -> date:
    from ingest.activity import business_day

    return business_day(store.settings)


def test_locations_stored_and_newest_becomes_live(world, store):
    points = [{"lat": 31.20, "lng": 121.40, "recorded_at": stamp(timedelta(minutes=-2))},
              {"lat": 31.22, "lng": 121.44, "recorded_at": stamp(timedelta(seconds=-5))},
              {"lat": 31.21, "lng": 121.42, "recorded_at": stamp(timedelta(minutes=-1))}]
    response = world.api.post("/drivers/me/locations", {"points": points}, token=world.driver["api_key"])
    assert response.status_code == 202 and response.get_json() == {"accepted": 3}
    assert rows(store, "SELECT driver_id, lat, lng FROM gps_points ORDER BY recorded_at") == [
        (world.driver["id"], 31.20, 121.40), (world.driver["id"], 31.21, 121.42), (world.driver["id"], 31.22, 121.44)]
    assert scalar(store, "SELECT bool_and(received_at >= recorded_at - interval '5 minutes') FROM gps_points")
    (live,) = outbox(store, "driver_location")
    assert (live["driver_id"], live["lat"], live["lng"]) == (world.driver["id"], 31.22, 121.44)
    # the same points again (a retry after a lost reply) are kept once
    again = world.api.post("/drivers/me/locations", {"points": points}, token=world.driver["api_key"])
    assert again.status_code == 202 and scalar(store, "SELECT count(*) FROM gps_points") == 3


@pytest.mark.parametrize("points,field", [
    ([], "points"),
    ([{"lat": 31.2, "lng": 121.4, "recorded_at": "2026-11-28T10:00:00"}], "points[0].recorded_at"),
    ([{"lat": 31.2, "lng": 121.4, "recorded_at": timedelta(minutes=10)}], "points[0].recorded_at"),
    ([{"lat": 31.2, "lng": 121.4, "recorded_at": timedelta(days=-31)}], "points[0].recorded_at"),
    ([{"lat": 95, "lng": 121.4, "recorded_at": timedelta()}], "points[0].lat"),
    ([{"lat": 31.2, "recorded_at": timedelta()}], "points[0].lng"),
    ([{"lat": 31.2, "lng": 121.4, "recorded_at": timedelta()}] * 501, "points"),
])
def test_location_rules(world, store, points, field):
    # Times are made when the test runs, not when it is collected (10 minutes ahead must still be ahead).
    points = [{**p, "recorded_at": stamp(p["recorded_at"])} if isinstance(p.get("recorded_at"), timedelta) else p
              for p in points]
    problem(world.api.post("/drivers/me/locations", {"points": points}, token=world.driver["api_key"]), 422, field)
    assert scalar(store, "SELECT count(*) FROM gps_points") == 0


def test_checkin_counts_streak_and_month_from_activity(world, store):
    day = today(store)
    with store.engine.begin() as conn:  # active yesterday and the day before, and once five days ago
        for back in (1, 2, 5):
            conn.execute(text("INSERT INTO driver_activity (driver_id, day, checked_in) VALUES (:d, :day, true)"),
                         {"d": world.driver["id"], "day": day - timedelta(days=back)})
    response = world.api.post("/drivers/me/checkin", token=world.driver["api_key"])
    assert response.status_code == 200
    in_month = sum(1 for back in (0, 1, 2, 5) if (day - timedelta(days=back)).month == day.month)
    assert response.get_json() == {"date": day.isoformat(), "streak_days": 3, "active_days_this_month": in_month}
    assert outbox(store, "driver_active") == [{"driver_id": world.driver["id"], "date": day.isoformat()}]
    again = world.api.post("/drivers/me/checkin", token=world.driver["api_key"])
    assert again.get_json()["streak_days"] == 3 and len(outbox(store, "driver_active")) == 1
    assert rows(store, "SELECT checked_in FROM driver_activity WHERE day = :d", d=day) == [(True,)]


def test_first_checkin_of_a_new_driver(world, store):
    reply = world.api.post("/drivers/me/checkin", token=world.other_driver["api_key"]).get_json()
    assert (reply["streak_days"], reply["active_days_this_month"]) == (1, 1)


def test_any_driver_request_marks_the_driver_active_once_a_day(world, store):
    assert world.api.get("/orders", token=world.driver["api_key"]).status_code == 200
    world.order([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 1}])
    world.api.post("/drivers/me/locations", {"points": [{"lat": 1, "lng": 2, "recorded_at": stamp()}]},
                   token=world.driver["api_key"])
    assert rows(store, "SELECT driver_id, checked_in FROM driver_activity") == [(world.driver["id"], False)]
    assert outbox(store, "driver_active") == [{"driver_id": world.driver["id"], "date": today(store).isoformat()}]
    world.purchase()  # a sale on the driver's device is not the driver acting
    assert scalar(store, "SELECT count(*) FROM driver_activity WHERE driver_id = :d",
                  d=world.other_driver["id"]) == 0


def test_heartbeat_activates_and_keeps_the_device_online(world, store):
    assert scalar(store, "SELECT activated_at FROM devices WHERE id = :d", d=world.device["id"]) is None
    response = world.api.post("/devices/me/heartbeat", {"lat": 31.2, "lng": 121.4}, token=world.device["api_key"])
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("device_id", "activated", "online")} == {
        "device_id": world.device["id"], "activated": True, "online": True}
    assert body["server_time"].endswith("+08:00")
    first = rows(store, "SELECT activated_at, last_seen_at, last_lat, last_lng FROM devices WHERE id = :d",
                 d=world.device["id"])[0]
    assert first[0] is not None and first[2:] == (31.2, 121.4)
    assert world.api.post("/devices/me/heartbeat", {}, token=world.device["api_key"]).status_code == 200
    second = rows(store, "SELECT activated_at, last_seen_at, last_lat FROM devices WHERE id = :d",
                  d=world.device["id"])[0]
    assert second[0] == first[0] and second[1] >= first[1] and second[2] == 31.2  # activation kept, position kept
    problem(world.api.post("/devices/me/heartbeat", {"lat": 31.2}, token=world.device["api_key"]), 422, "lng")
    problem(world.api.post("/devices/me/heartbeat", {"lat": 91, "lng": 1}, token=world.device["api_key"]), 422, "lat")


@pytest.fixture
def ad(api):
    response = api.post("/ads", {"title": "Spring tea", "advertiser": "Tea Co", "expected_plays": 100,
                                 "price_per_play_cents": 5, "starts_at": "2026-01-01T00:00:00+08:00"})
    assert response.status_code == 201
    return response.get_json()


def test_ad_plays_recorded_idempotently(world, store, ad):
    plays = [{"ad_id": ad["id"], "played_at": stamp(timedelta(minutes=-m)), "duration_ms": 15000} for m in (3, 2, 1)]
    idem = key("ads")
    first = world.api.post("/ad-plays", {"plays": plays}, token=world.device["api_key"],
                           headers={"Idempotency-Key": idem})
    assert first.status_code == 201 and first.get_json() == {"accepted": 3}
    again = world.api.post("/ad-plays", {"plays": plays}, token=world.device["api_key"],
                           headers={"Idempotency-Key": idem})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert rows(store, "SELECT ad_id, device_id, driver_id, duration_ms FROM ad_plays LIMIT 1") == [
        (ad["id"], world.device["id"], world.driver["id"], 15000)]
    assert scalar(store, "SELECT count(*) FROM ad_plays") == 3
    (event,) = outbox(store, "ad_plays")
    assert event["device_id"] == world.device["id"] and len(event["plays"]) == 3
    assert event["plays"][0]["ad_id"] == ad["id"] and event["plays"][0]["duration_ms"] == 15000


def test_unknown_ad_rejects_the_whole_batch(world, store, ad):
    plays = [{"ad_id": ad["id"], "played_at": stamp(), "duration_ms": 1000},
             {"ad_id": ad["id"] + 1000, "played_at": stamp(), "duration_ms": 1000}]
    problem(world.api.post("/ad-plays", {"plays": plays}, token=world.device["api_key"],
                           headers={"Idempotency-Key": key()}), 422, "plays[1].ad_id")
    assert scalar(store, "SELECT count(*) FROM ad_plays") == 0 and outbox(store, "ad_plays") == []


@pytest.mark.parametrize("play,field", [
    ({"played_at": "2026-11-28T10:00:00"}, "plays[0].played_at"),
    ({"played_at": stamp(timedelta(hours=1))}, "plays[0].played_at"),
    ({"duration_ms": -1}, "plays[0].duration_ms"),
    ({"ad_id": "one"}, "plays[0].ad_id"),
])
def test_ad_play_rules(world, ad, play, field):
    body = {"plays": [{"ad_id": ad["id"], "played_at": stamp(), "duration_ms": 1000, **play}]}
    problem(world.api.post("/ad-plays", body, token=world.device["api_key"], headers={"Idempotency-Key": key()}),
            422, field)
    problem(world.api.post("/ad-plays", body, token=world.device["api_key"]), 400, "Idempotency-Key")
