"""Group commit: how purchases arriving together form groups (``ingest.group``), and what a
group of several devices' purchases writes (``ingest.purchases.record_group``)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from ingest.group import Group
from ingest.purchases import PurchaseRequest, record_group
from tests.ingest.world import balance, device_stock, key, scalar, world  # noqa: F401

LONG = 60.0  # a bound no test reaches: a test that waited for it would hang, not pass


class Recorder:
    """A ``run`` that records each group and can hold one until released."""

    def __init__(self, fail_on=None):
        self.groups: list[list] = []
        self.started, self.release = threading.Event(), threading.Event()
        self.release.set()
        self.fail_on = fail_on

    def __call__(self, items: list) -> list:
        self.groups.append(list(items))
        self.started.set()
        self.release.wait()
        if self.fail_on in items:
            raise RuntimeError("postgres went away")
        return [f"done {item}" for item in items]


def threads(target, args_list) -> list[threading.Thread]:
    started = [threading.Thread(target=target, args=args) for args in args_list]
    for t in started:
        t.start()
    return started


def test_a_lone_request_is_settled_at_once_without_waiting_for_company():
    run = Recorder()
    group = Group(run, wait=LONG)
    assert group.submit("a") == "done a"
    assert group.submit("b") == "done b"
    assert run.groups == [["a"], ["b"]]


def test_requests_arriving_while_a_group_is_settled_form_the_next_group_and_each_gets_its_own_result():
    run = Recorder()
    group = Group(run, wait=0)
    results = {}
    run.release.clear()
    first = threads(lambda item: results.__setitem__(item, group.submit(item)), [("first",)])
    assert run.started.wait(10)
    waiting = threads(lambda item: results.__setitem__(item, group.submit(item)), [(f"r{i}",) for i in range(5)])
    while len(group._queue) < 5:  # all five queued behind the group being settled
        threading.Event().wait(0.001)
    run.release.set()
    for t in first + waiting:
        t.join(10)
    assert run.groups[0] == ["first"]
    assert sorted(run.groups[1]) == [f"r{i}" for i in range(5)] and len(run.groups) == 2
    assert results == {item: f"done {item}" for item in ["first"] + [f"r{i}" for i in range(5)]}


def test_a_leader_waits_for_a_request_already_on_its_way_but_not_past_the_bound():
    run = Recorder()
    group = Group(run, wait=LONG)
    group.coming()  # a request routed, still being parsed
    later = threading.Timer(0.05, lambda: group.submit("parsed late", counted=True))
    later.start()
    assert group.submit("early") == "done early"
    later.join(10)
    assert run.groups == [["early", "parsed late"]]

    bounded = Group(run, wait=0.01)
    bounded.coming()  # one that never arrives (it failed and nobody said so): the bound ends the wait
    assert bounded.submit("alone") == "done alone"
    bounded.not_coming()
    assert bounded._coming == 0


def test_a_failed_group_fails_each_of_its_requests_and_the_next_group_still_runs():
    run = Recorder(fail_on="bad")
    group = Group(run, wait=0)
    with pytest.raises(RuntimeError, match="postgres went away"):
        group.submit("bad")
    assert group.submit("good") == "done good"


SOLD_AT = datetime.now(timezone.utc) - timedelta(minutes=1)


def purchase(device: dict, quantity: int = 1, sku: str = "COLA-330", idem: str | None = None) -> PurchaseRequest:
    return PurchaseRequest(key=idem or key("grp"), occurred_at=SOLD_AT,
                           items=((sku, quantity),), payment_method="cash", device_id=device["id"],
                           principal=f"device:{device['id']}")


def test_a_group_of_several_devices_is_written_at_once_each_with_its_own_outcome(world, store):
    dup = key("dup")
    requests = [purchase(world.device, 2, idem=dup), purchase(world.other_device, 1),
                purchase(world.other_device, 1, sku="NO-SUCH-SKU"), purchase(world.device, 3),
                purchase(world.device, 2, idem=dup),  # the same key at once: settled once, replayed
                purchase(world.device, 5, idem=dup)]  # the same key with another body: 422
    outcomes, events = record_group(store, requests)
    assert [o.status for o in outcomes] == [201, 201, 422, 201, 201, 422]
    assert outcomes[2].error.field == "items[0].sku"
    assert outcomes[4].replayed and outcomes[4].body == outcomes[0].body
    bodies = [orjson.loads(o.body) for o in outcomes[:2]]
    assert [b["device_id"] for b in bodies] == [world.device["id"], world.other_device["id"]]
    assert [b["driver_id"] for b in bodies] == [world.driver["id"], world.other_driver["id"]]
    assert len(events) == 3 and scalar(store, "SELECT count(*) FROM purchases") == 3
    assert device_stock(store, world.device["id"]) == {"COLA-330": -5}
    assert device_stock(store, world.other_device["id"]) == {"COLA-330": -1}
    assert balance(store, f"driver:{world.driver['id']}") == 5 * 350
    assert balance(store, f"driver:{world.other_driver['id']}") == 350
    # each stored response replays to its own device only
    again, _ = record_group(store, [purchase(world.device, 2, idem=dup)])
    assert again[0].replayed and again[0].body == outcomes[0].body
    other, _ = record_group(store, [purchase(world.other_device, 2, idem=dup)])
    assert other[0].status == 201 and not other[0].replayed


def test_a_key_used_before_does_not_fail_the_others_of_its_group(world, store):
    used, _ = record_group(store, [purchase(world.device, 1)])
    retry = purchase(world.device, 1, idem=used[0].key)
    outcomes, events = record_group(store, [purchase(world.other_device, 1), retry, purchase(world.device, 2)])
    assert [o.status for o in outcomes] == [201, 201, 201]
    assert [o.replayed for o in outcomes] == [False, True, False] and outcomes[1].body == used[0].body
    assert len(events) == 2 and scalar(store, "SELECT count(*) FROM purchases") == 3
