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


def _ad_with_a_creative(api, client) -> dict:
    from tests.api.creatives import make_ad, upload
    from tests.media import image

    ad = make_ad(api, title="Sim creative ad", expected=10**6)
    assert upload(client, ad["id"], image("PNG")).status_code == 201
    return ad


def test_seeded_runs_are_accepted_and_repeatable(api, client, store, live_server, tmp_path):
    ad = _ad_with_a_creative(api, client)
    first = _run(live_server, tmp_path / "one.json")
    figures = _figures(api)
    with store.engine.connect() as conn:
        from sqlalchemy import text

        named = conn.execute(text("SELECT count(*) FROM ad_plays WHERE ad_id = :ad AND creative_id IS NOT NULL"),
                             {"ad": ad["id"]}).scalar()
    reset_data(store)
    _ad_with_a_creative(api, client)
    second = _run(live_server, tmp_path / "two.json")

    for result in (first, second):
        assert result.unexpected == []
        for (method, path, status), _ in result.tally.items():
            assert 200 <= status < 300 or (status == 409 and path == "/replenishments") or \
                (status == 304 and path == "/devices/me/playlist") or \
                (status == 503 and path == "/payments"), (method, path, status)  # payments not configured here
    t = first.totals
    # The run exercised every behaviour: sales (some uploaded late), restocks and pickups, ads, GPS.
    assert t.purchases > 0 and t.buffered > 0 and t.orders > 0 and t.pickups > 0
    assert t.ad_plays > 0 and t.location_points > 0 and t.heartbeats >= 4
    # devices fetched their playlist and the creative, and reported plays of it by creative
    assert t.playlists > 0 and t.creatives_fetched == 4 and named > 0
    assert first.totals == second.totals
    assert figures == _figures(api)
    assert figures["retail"]["amount_cents"] == t.purchase_cents
    assert figures["wholesale"]["amount_cents"] == t.order_cents


def test_with_payments_passengers_pay_by_scanning_and_the_figures_are_what_alipay_confirmed(
        api, store, live_server, alipay, tmp_path):
    import time

    from sqlalchemy import text

    result = _run(live_server, tmp_path / "pay.json")
    assert result.unexpected == []
    t = result.totals
    assert t.scanned > 0 and t.purchases > t.scanned  # Alipay sales scanned; the others reported by devices
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the stand-in's notifications reach the server on their own
        with store.engine.connect() as conn:
            paid = conn.execute(text("SELECT count(*) FROM payments WHERE status = 'paid'")).scalar()
        if paid == t.scanned:
            break
        time.sleep(0.2)
    assert paid == t.scanned
    with store.engine.connect() as conn:
        unpaid = conn.execute(text("SELECT count(*) FROM payments WHERE status <> 'paid'")).scalar()
    assert unpaid == t.walked_away
    assert _figures(api)["retail"]["amount_cents"] == t.purchase_cents
