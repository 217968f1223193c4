"""A short seeded run against a live test server: every request accepted, the same totals twice."""
from __future__ import annotations

from simulator import Options, run
from tests.conftest import reset_data
from tests.helpers import ADMIN_TOKEN


def _run(live_server, state_file):
    options = Options(base_url=live_server, admin_token=ADMIN_TOKEN, stations=3, drivers=4, rate=25.0, seed=42,
                      duration=4.0, tick=0.1, speed_kmh=60_000, hour=18, offline_chance=0.05,
                      state_file=state_file, quiet=True)
    return run(options)


def _figures(api) -> dict:
    out = {}
    for kind in ("wholesale", "retail"):
        summary = api.get(f"/stats/summary?scope=platform&kind={kind}").get_json()
        out[kind] = summary["total"]
    out["ads"] = [(i["ad_id"], i["plays"]) for i in api.get("/ads/stats?period=day").get_json()["items"]]
    return out


def test_seeded_runs_are_accepted_and_repeatable(api, store, live_server, tmp_path):
    first = _run(live_server, tmp_path / "one.json")
    figures = _figures(api)
    reset_data(store)
    second = _run(live_server, tmp_path / "two.json")

    for result in (first, second):
        assert result.unexpected == []
        for (method, path, status), _ in result.tally.items():
            assert 200 <= status < 300 or (status == 409 and path == "/replenishments"), (method, path, status)
    t = first.totals
    # The run exercised every behaviour: sales (some uploaded late), restocks and pickups, ads, GPS.
    assert t.purchases > 0 and t.buffered > 0 and t.orders > 0 and t.pickups > 0
    assert t.ad_plays > 0 and t.location_points > 0 and t.heartbeats >= 4
    assert first.totals == second.totals
    assert figures == _figures(api)
    assert figures["retail"]["amount_cents"] == t.purchase_cents
    assert figures["wholesale"]["amount_cents"] == t.order_cents
