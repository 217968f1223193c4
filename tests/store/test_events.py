"""store.events: the one hand-off after a commit."""
from __future__ import annotations

from store.events import Committed


def test_publish_reaches_every_follower_in_order_and_skips_nothing_to_say():
    heard = []
    committed = Committed()
    committed.follow("a", lambda events: heard.append(("a", events)))
    committed.follow("b", lambda events: heard.append(("b", events)))
    committed.publish([])
    committed.publish(None)
    assert heard == []
    committed.publish(iter([1, 2]))
    assert heard == [("a", [1, 2]), ("b", [1, 2])]


def test_a_failing_follower_is_logged_and_the_others_still_hear(caplog):
    heard = []
    committed = Committed()

    def broken(_events):
        raise RuntimeError("boom")

    committed.follow("broken", broken)
    committed.follow("live", heard.extend)
    committed.publish([7])
    assert heard == [7]
    assert "follower 'broken'" in caplog.text


def test_following_again_by_name_replaces():
    heard = []
    committed = Committed()
    committed.follow("live", lambda events: heard.append("old"))
    committed.follow("live", lambda events: heard.append("new"))
    committed.publish([1])
    assert heard == ["new"] and committed.names == ("live",)
    committed.unfollow("live")
    committed.publish([1])
    assert heard == ["new"]


def test_the_app_store_has_the_live_apply_following(store):
    assert store.committed.names == ("live", "alerts")  # alerts after commit (analytics.alerts.follow)
