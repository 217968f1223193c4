"""A mixed workload sent through the API from several threads at once (so that transactions commit
out of id order), plus the scheduler's alert and presence jobs; and the checks of what a consumer got."""
from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from relay.messages import ROUTES
from tests.analytics.traffic import Fleet, ago, build_fleet
from tests.helpers import Api


def fleet_for(api) -> Fleet:
    return build_fleet(api, stations=3, products=4, drivers=4, ads=1, stock=100_000)


def run_workload(app, fleet: Fleet, rounds: int = 12, threads: int = 4, seed: int = 7) -> None:
    """Each thread plays one driver: purchases one by one and in batches, orders, pickups, cancels,
    ad plays, GPS points; then the alert rules and the presence job run."""
    from analytics.alerts import evaluate
    from ingest.devices import announce_presence
    from store import get_store

    errors = []

    def play(index: int):
        rng = random.Random(seed + index)
        api = Api(app.test_client())
        local = Fleet(api, fleet.stations, fleet.products, fleet.drivers, fleet.devices, fleet.ads)
        driver, device = fleet.drivers[index], fleet.devices[index]
        try:
            api.post("/devices/me/heartbeat", {"lat": 31.2, "lng": 121.4}, token=device["api_key"])
            for r in range(rounds):
                sku = rng.choice(fleet.products)["sku"]
                local.purchase(device, [(sku, rng.randint(1, 3))])
                if r % 3 == 0:
                    local.purchase_batch(device, [(ago(minutes=m), [(sku, 1)]) for m in range(1, 6)])
                order = local.order(driver, [(fleet.stations[r % 3]["id"], sku, 2),
                                             (fleet.stations[(r + 1) % 3]["id"], sku, 1)])
                first, second = (o["id"] for o in order["orders"])
                local.pickup(first)
                local.cancel(second)
                local.ad_plays(device, [(fleet.ads[0]["id"], ago(seconds=5))])
                local.locate(driver, 31.2 + r / 1000, 121.4)
        except Exception as exc:  # surfaced by the caller
            errors.append(exc)

    workers = [threading.Thread(target=play, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    store = get_store(app)
    evaluate(store, datetime.now(timezone.utc) + timedelta(hours=13))  # pickups overdue, stock alerts...
    announce_presence(store, datetime.now(timezone.utc))


def outbox(store) -> dict[str, dict]:
    """The events a consumer must get: message id -> routing key, payload (internal kinds left out)."""
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, kind, payload FROM outbox ORDER BY id")).all()
    return {str(r.id): {"id": r.id, "type": ROUTES[r.kind][0], "data": r.payload} for r in rows
            if ROUTES[r.kind][0] is not None}


def unpublished(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()


def subjects(body: dict) -> list[str]:
    data, kind = body["data"], body["type"]
    if kind.startswith("order."):
        return [f"order:{o['order_id']}" for o in data.get("orders", [data])]
    if kind.startswith("alert."):
        return [f"alert:{data['id']}"]
    if kind.startswith("purchase."):
        return [f"purchase:{data['purchase_id']}"]
    return [f"device:{data['device_id']}"]


def check_stream(messages: list[dict], expected: dict[str, dict]) -> dict:
    """Exactly once after dedupe on message_id; each message the outbox row; in id order per subject,
    and an order's placing before its pickup or cancel. Returns counts for the caller's own checks."""
    first: dict[str, dict] = {}
    duplicates = 0
    for m in messages:
        assert m["message_id"] == str(m["body"]["id"])
        assert m["persistent"] and m["content_type"] == "application/json" and m["type"] == m["routing_key"]
        if m["message_id"] in first:
            duplicates += 1
            assert m["body"] == first[m["message_id"]]["body"]  # a repeat is the same message
        else:
            first[m["message_id"]] = m
    assert set(first) == set(expected), (len(first), len(expected), sorted(set(expected) - set(first))[:5])
    per_subject: dict[str, list] = {}
    for message_id, m in first.items():
        body = m["body"]
        want = expected[message_id]
        assert (body["id"], body["type"], body["data"]) == (want["id"], want["type"], want["data"])
        assert m["routing_key"] == want["type"]
        assert body["recorded_at"].endswith("+08:00") and "T" in body["occurred_at"]
        for subject in subjects(body):
            per_subject.setdefault(subject, []).append((body["id"], body["type"]))
    for subject, seq in per_subject.items():
        assert [i for i, _ in seq] == sorted(i for i, _ in seq), (subject, seq)
        if subject.startswith("order:"):
            assert seq[0][1] == "order.placed" and len(seq) == 2, (subject, seq)
    return {"unique": len(first), "duplicates": duplicates, "subjects": len(per_subject)}
