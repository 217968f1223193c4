"""Every live figure beside the same figure by SQL: the list of differences (empty when equal)."""
from __future__ import annotations

from datetime import date, timedelta

from analytics import periods, queries
from analytics.queries.figures import SUMMARY
from tests.analytics import truth


def differences(store, days: int = 35, limit: int = 100) -> list:
    tz = store.settings.tz
    today = periods.today(tz)
    diffs = []

    def check(what, live, expected):
        if live != expected:
            diffs.append((what, live, expected))

    for scope, kind in truth.scopes(store):
        summary = queries.summary(store, scope, kind)
        for name, period in SUMMARY:
            check((scope, kind, name), summary[name],
                  truth.totals(store, scope, kind, period, periods.period_key(period, today)))
        series = queries.daily_series(store, scope, kind, days=days)
        for point in series["points"]:
            expected = truth.daily(store, scope, kind, date.fromisoformat(point["date"]))
            check((scope, kind, point["date"]), {k: point[k] for k in expected}, expected)
    stations = [int(s.split(":")[1]) for s, k in truth.scopes(store) if s.startswith("station:")]
    dates = [today - timedelta(days=d) for d in (0, 1, 3, 8, 20, 29)]
    for day in dates:
        for period in periods.PERIODS:
            pkey = periods.period_key(period, day)
            for kind, station_id in [("wholesale", None), ("retail", None)] + [("wholesale", s) for s in stations]:
                for by in ("amount", "units"):
                    live = queries.product_ranking(store, kind, period, day, station_id, by, limit)["items"]
                    check(("products", kind, period, pkey, station_id, by),
                          [(i["product_id"], i["amount_cents"], i["units"]) for i in live],
                          truth.product_ranking(store, kind, period, pkey, station_id, by, limit))
            for kind, read in (("wholesale", queries.station_ranking), ("retail", queries.driver_ranking)):
                field = "station_id" if kind == "wholesale" else "driver_id"
                live = read(store, period, day, limit)["items"]
                check((field, period, pkey), [(i[field], i["amount_cents"], i["units"], i["orders"]) for i in live],
                      truth.owner_ranking(store, kind, period, pkey, limit))
            live = queries.ad_stats(store, period, day, limit)["items"]
            check(("ads", period, pkey), [(i["ad_id"], i["plays"]) for i in live],
                  truth.ad_plays(store, period, pkey, limit))
    return diffs


def assert_equal_to_truth(store, **kw) -> None:
    diffs = differences(store, **kw)
    assert not diffs, f"{len(diffs)} figures differ from Postgres, e.g. {diffs[:5]}"
