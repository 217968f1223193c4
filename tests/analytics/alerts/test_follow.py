"""Alerts after commit by the follower's own thread, as a running server has them: no flush by hand,
the alert opens after the purchase that makes it true and resolves after the pickup that clears it;
commits that arrive while it gathers are one evaluation."""
from __future__ import annotations

import time
from collections import namedtuple

from analytics.alerts import follow
from tests.analytics.alerts.steps import open_alerts, outbox_kinds, picked_up

Event = namedtuple("Event", "id kind payload")


def eventually(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def test_a_sell_out_opens_its_alert_behind_the_request_and_a_pickup_resolves_it(fleet, store,
                                                                               alerts_after_commit):
    sku, device = fleet.products[0]["sku"], fleet.devices[0]
    picked_up(fleet, 0, sku, 2)
    fleet.purchase(device, [(sku, 1)])
    mine = [("device", str(device["id"]))]
    eventually(lambda: open_alerts(store, "device_stock_low") == mine)  # 1 left: low
    fleet.purchase(device, [(sku, 1)])
    eventually(lambda: open_alerts(store, "device_stock_out") == mine)
    eventually(lambda: open_alerts(store, "device_stock_low") == [])  # out is not low
    picked_up(fleet, 0, sku, 40)
    eventually(lambda: open_alerts(store, "device_stock_out") == [])
    assert outbox_kinds(store, "device_stock_out") == ["alert_opened", "alert_resolved"]
    assert outbox_kinds(store, "device_stock_low") == ["alert_opened", "alert_resolved"]


def test_commits_while_the_follower_gathers_are_one_evaluation(monkeypatch):
    """Each add sets the follower's wake-up; the window after the first is not cut short by the next."""
    import analytics.alerts.run as run

    calls, handed = [], []
    monkeypatch.setattr(follow, "FLUSH_SECONDS", 0.5)
    monkeypatch.setattr(run, "evaluate", lambda store, now, kinds=None, subjects=None: calls.append(
        (set(kinds), subjects)) or ["an alert event"])
    follower = follow.Follower(store=None, hand_off=lambda store, events: handed.append(events))
    try:
        for device in range(1, 51):
            follower.add([Event(device, "purchase", {"device_id": device})])
            follower.add([Event(100 + device, "ad_play", {"device_id": device})])  # no rule follows these
        eventually(lambda: calls)
        time.sleep(0.2)
        ((kinds, subjects),) = calls
        assert kinds == {"device_offline", "device_stock_out", "device_stock_low", "no_sales"}
        assert all(sorted(ids) == list(range(1, 51)) for ids in subjects.values())
        assert handed == [["an alert event"]]
        follower.add([Event(200, "replenishment", {"orders": [{"station_id": 7}]})])
        eventually(lambda: len(calls) == 2)
        assert calls[1] == ({"station_stock_low"}, {"station_stock_low": [7]})
    finally:
        follower.close()
