"""The demo's past as a person opening the wall sees it, and the simulator driving the seeded fleet."""
from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import text

from analytics import queries
from commands.demo import seed, simulator_state
from simulator import Options, run
from tests.helpers import ADMIN_TOKEN


def test_the_demo_has_a_believable_past_and_the_simulator_drives_the_seeded_fleet(store, live_server, tmp_path):
    out = io.StringIO()
    links = seed(store, "demo-password-1", out=out, days=30)
    assert "history 100%" in out.getvalue() and "live figures rebuilt" in out.getvalue()  # progress is shown

    summary = queries.summary(store, "platform", "wholesale")
    amounts = [summary[p]["amount_cents"] for p in ("today", "week", "month", "year", "total")]
    assert amounts[-1] > max(amounts[:3])  # thirty days hold more than any month so far
    assert amounts[0] <= amounts[1] and amounts[2] <= amounts[3] <= amounts[4]
    if datetime.now(store.settings.tz).hour >= 6:  # by breakfast the stations have sold; just after
        assert amounts[0] > 0  # midnight (business time) today may still be empty, as on a real wall
    bars = [p["amount_cents"] for p in queries.daily_series(store, "platform", "wholesale", days=7)["points"]]
    assert all(bars[:-1]) and len(set(bars[:-1])) >= 5  # six whole days before today, each its own bar
    assert queries.product_ranking(store, "wholesale", "total", limit=10)["items"]
    assert len(queries.station_ranking(store, "total", limit=20)["items"]) >= 6

    tz = store.settings.timezone
    with store.engine.connect() as conn:
        by_weekday = dict(conn.execute(text(
            "SELECT extract(isodow FROM occurred_at AT TIME ZONE :tz)::int, count(*) FROM purchases GROUP BY 1"),
            {"tz": tz}).all())
        by_hour = dict(conn.execute(text(
            "SELECT extract(hour FROM occurred_at AT TIME ZONE :tz)::int, count(*) FROM purchases GROUP BY 1"),
            {"tz": tz}).all())
        picked, others = conn.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'picked_up'), count(*) FILTER (WHERE status <> 'picked_up')"
            " FROM orders")).one()
    weekdays = sum(by_weekday.get(d, 0) for d in (1, 2, 3, 4)) / 4
    assert (by_weekday.get(5, 0) + by_weekday.get(6, 0)) / 2 > weekdays  # Friday and Saturday nights are busier
    assert sum(by_hour.get(h, 0) for h in (2, 3, 4)) * 4 < sum(by_hour.get(h, 0) for h in (8, 9, 10))
    assert picked > 50 and others == 0  # the past's orders were all handed over

    # One fleet: the simulator finds the seeded drivers' keys and drives them, activating their devices.
    fleet = links["fleet"]
    with store.engine.connect() as conn:
        drivers_before = conn.execute(text("SELECT count(*) FROM drivers")).scalar()
        assert conn.execute(text("SELECT count(*) FROM devices WHERE activated_at IS NOT NULL")).scalar() == 0
    state = simulator_state(tmp_path, live_server, fleet)
    result = run(Options(base_url=live_server, admin_token=ADMIN_TOKEN, drivers=len(fleet["drivers"]), rate=5.0,
                         seed=7, duration=1.0, tick=0.5, hour=datetime.now().hour, state_file=state, quiet=True))
    assert result.unexpected == []
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM drivers")).scalar() == drivers_before
        assert conn.execute(text("SELECT count(*) FROM devices WHERE activated_at IS NULL")).scalar() == 0
