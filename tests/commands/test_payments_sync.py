"""The scheduler's payments_sync: a lost notification found by trade.query, expiry closed at Alipay."""
from __future__ import annotations

import logging
from datetime import timedelta

from commands.scheduler import sync_payments
from ingest.timing import utcnow
from tests.api.payments import created, notification, notify, payment, scanned
from tests.ingest.world import balance, outbox, rows, scalar, world  # noqa: F401


def test_a_lost_notification_is_found_by_the_query_and_recorded_once(world, store, alipay, client):
    body = created(world)
    alipay.notifier.lose = 1
    scanned(alipay, body["qr_code"])
    assert alipay.notifier.sent == []  # lost on the way
    assert sync_payments(store, utcnow() + timedelta(seconds=10))["asked"] == 0  # too young to ask about
    result = sync_payments(store, utcnow() + timedelta(seconds=31))
    assert (result["asked"], result["paid"]) == (1, 1)
    assert payment(world, body["id"])["status"] == "paid"
    assert scalar(store, "SELECT count(*) FROM purchases") == 1
    late = notify(client, notification(alipay, body["id"]))  # Alipay's retry arrives after all
    assert late.get_data(as_text=True) == "success"
    assert sync_payments(store, utcnow() + timedelta(minutes=2))["asked"] == 0  # nothing pending
    assert scalar(store, "SELECT count(*) FROM purchases") == 1
    assert balance(store, f"driver:{world.driver['id']}") == 1500
    summary = world.api.get("/stats/summary?scope=platform&kind=retail").get_json()
    assert summary["today"] == {"amount_cents": 1500, "units": 3, "orders": 1}


def test_expiry_closes_at_alipay_and_here_and_a_late_success_is_a_mismatch(world, store, alipay, client, caplog):
    body = created(world)
    scanned(alipay, body["qr_code"], pay=False)  # scanned, never paid
    expiry = store.settings.payment_expiry_minutes
    assert sync_payments(store, utcnow() + timedelta(minutes=expiry - 1))["closed"] == 0
    result = sync_payments(store, utcnow() + timedelta(minutes=expiry, seconds=1))
    assert result["closed"] == 1
    assert alipay.trades.by_no[body["id"]].status == "TRADE_CLOSED"
    assert [r["method"] for r in alipay.requests][-1] == "alipay.trade.close"
    assert payment(world, body["id"])["status"] == "closed"
    assert len(outbox(store, "payment_closed")) == 1

    with caplog.at_level(logging.ERROR):
        late = notify(client, notification(alipay, body["id"], trade_status="TRADE_SUCCESS",
                                           gmt_payment="2026-11-28 18:05:09"))
    assert (late.status_code, late.get_data(as_text=True)) == (200, "success")  # recorded: Alipay may stop
    assert scalar(store, "SELECT count(*) FROM purchases") == 0
    assert rows(store, "SELECT payment_id, reason FROM payment_mismatches") == [(body["id"], "paid_after_close")]
    assert any("payment_mismatch" in r.getMessage() and body["id"] in r.getMessage() for r in caplog.records)
    (event,) = outbox(store, "payment_mismatch")
    assert event["payment_id"] == body["id"] and event["reason"] == "paid_after_close"


def test_an_unscanned_payment_past_expiry_is_closed(world, store, alipay):
    body = created(world)
    result = sync_payments(store, utcnow() + timedelta(minutes=store.settings.payment_expiry_minutes + 1))
    assert result["closed"] == 1 and payment(world, body["id"])["status"] == "closed"


def test_alipay_down_ends_the_run_and_the_next_goes_on(world, store, alipay):
    first, second = created(world), created(world)
    alipay.notifier.lose = 2
    scanned(alipay, first["qr_code"])
    scanned(alipay, second["qr_code"])
    alipay.delay = 5.0
    result = sync_payments(store, utcnow() + timedelta(seconds=31))
    assert result["asked"] == 1 and "error" in result  # one timed-out call, the rest left for later
    alipay.delay = 0
    result = sync_payments(store, utcnow() + timedelta(seconds=31))
    assert result["paid"] == 2
    assert scalar(store, "SELECT count(*) FROM purchases") == 2


def test_without_payments_the_job_does_nothing(store):
    assert sync_payments(store, utcnow()) == {"skipped": "payments not configured"}
