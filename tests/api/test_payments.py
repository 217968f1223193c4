"""POST /payments → Alipay (the stand-in, over HTTP) → the notification → exactly one purchase."""
from sqlalchemy import text

from tests.api.payments import create, created, notify, payment, scanned
from tests.ingest.world import balance, device_stock, outbox, problem, rows, scalar, world  # noqa: F401


def test_happy_path_to_the_fen(world, store, alipay, client):
    body = created(world, location={"lat": 31.23, "lng": 121.47})
    assert body["status"] == "pending" and body["total_cents"] == 2 * 350 + 800
    assert body["qr_code"].startswith(alipay.url + "/qr/") and body["expires_at"].endswith("+08:00")
    (asked,) = alipay.requests
    assert asked["method"] == "alipay.trade.precreate" and asked["notify_url"].endswith("/payments/alipay/notify")
    biz = __import__("json").loads(asked["biz_content"])
    assert biz["out_trade_no"] == body["id"] and biz["total_amount"] == "15.00"
    assert "Cola 330ml ×2" in biz["subject"] and "Chips 70g ×1" in biz["subject"]
    assert payment(world, body["id"])["status"] == "pending"
    assert scalar(store, "SELECT count(*) FROM purchases") == 0  # nothing counts before Alipay says paid

    trade = scanned(alipay, body["qr_code"])
    (sent, answer), = alipay.notifier.sent
    assert answer == "success"

    paid = payment(world, body["id"])
    assert paid["status"] == "paid" and paid["trade_no"] == trade["trade_no"] and paid["paid_at"]
    purchases = rows(store, "SELECT id, total_cents, payment_method, payment_reference, lat, lng, device_id "
                            "FROM purchases")
    assert purchases == [(paid["purchase_id"], 1500, "alipay", trade["trade_no"], 31.23, 121.47,
                          world.device["id"])]
    assert rows(store, "SELECT product_id, quantity, unit_price_cents, amount_cents FROM purchase_lines "
                       "ORDER BY 1") == [(world.cola["id"], 2, 350, 700), (world.chips["id"], 1, 800, 800)]
    assert balance(store, f"driver:{world.driver['id']}") == 1500 and balance(store, "passengers") == -1500
    assert device_stock(store, world.device["id"]) == {"COLA-330": -2, "CHIPS-70": -1}
    (event,) = outbox(store, "purchase")
    assert event["purchase_id"] == paid["purchase_id"] and event["total_cents"] == 1500
    summary = world.api.get("/stats/summary?scope=platform&kind=retail").get_json()
    assert summary["today"] == {"amount_cents": 1500, "units": 3, "orders": 1}
    driver = world.api.get(f"/stats/summary?scope=driver:{world.driver['id']}&kind=retail").get_json()
    assert driver["total"] == {"amount_cents": 1500, "units": 3, "orders": 1}


def test_repeats_of_the_notification_record_one_purchase(world, store, alipay, client):
    body = created(world)
    scanned(alipay, body["qr_code"])
    sent, _ = alipay.notifier.sent[0]
    for _ in range(3):
        again = notify(client, sent)
        assert again.status_code == 200 and again.get_data(as_text=True) == "success"
    assert scalar(store, "SELECT count(*) FROM purchases") == 1
    assert balance(store, f"driver:{world.driver['id']}") == 1500


def test_payments_answer_503_without_an_app_id(world, store, client):
    response = create(world)
    body = problem(response, 503)
    assert "not configured" in body["detail"]
    assert problem(notify(client, {"out_trade_no": "x"}), 503)
    purchase = world.purchase()  # other endpoints as before
    assert purchase.status_code == 201


def _nothing_recorded(store):
    assert scalar(store, "SELECT count(*) FROM purchases") == 0
    assert scalar(store, "SELECT count(*) FROM ledger_entries") == 0
    assert scalar(store, "SELECT status FROM payments") == "pending"


def test_bad_notifications_record_nothing_and_fail(world, store, alipay, client, alipay_keys):
    from tests.api.payments import notification

    body = created(world)
    alipay.notifier.lose = 1  # the stand-in's own notification is lost; the test sends its variants
    scanned(alipay, body["qr_code"])
    pid = body["id"]
    good = notification(alipay, pid)
    bad_signature = {**good, "sign": good["sign"][:-8] + "AAAAAAA="}
    variants = {
        "bad signature": bad_signature,
        "another key's signature": notification(alipay, pid, key=alipay_keys[1]),
        "tampered amount": {**good, "total_amount": "0.01"},
        "unknown out_trade_no": notification(alipay, pid, out_trade_no="pay_nobody"),
        "another app_id": notification(alipay, pid, app_id="2021000000009999"),
        "missing trade_status": notification(alipay, pid, trade_status=None),
        "missing sign": {k: v for k, v in good.items() if k != "sign"},
        "sign_type RSA": {**good, "sign_type": "RSA"},
    }
    for name, params in variants.items():
        response = notify(client, params)
        assert (response.status_code, response.get_data(as_text=True)) == (400, "fail"), name
        _nothing_recorded(store)
    assert scalar(store, "SELECT count(*) FROM payment_mismatches") == 0  # none of these was signed by Alipay
    assert notify(client, good).get_data(as_text=True) == "success"
    assert scalar(store, "SELECT count(*) FROM purchases") == 1


def test_a_signed_amount_that_differs_is_a_mismatch(world, store, alipay, client):
    from tests.api.payments import notification

    body = created(world)
    alipay.notifier.lose = 1
    scanned(alipay, body["qr_code"])
    for _ in range(2):  # Alipay retries: one mismatch recorded
        response = notify(client, notification(alipay, body["id"], total_amount="14.99"))
        assert (response.status_code, response.get_data(as_text=True)) == (400, "fail")
    _nothing_recorded(store)
    assert rows(store, "SELECT payment_id, reason FROM payment_mismatches") == [(body["id"], "amount")]
    (event,) = outbox(store, "payment_mismatch")
    assert event["payment_id"] == body["id"] and event["reason"] == "amount"


def test_twenty_concurrent_copies_record_one_purchase(world, store, alipay, live_server):
    import threading

    import requests

    from tests.api.payments import NOTIFY, notification

    body = created(world)
    alipay.notifier.lose = 1
    scanned(alipay, body["qr_code"])
    params = notification(alipay, body["id"])
    barrier, answers = threading.Barrier(20), []

    def send():
        barrier.wait()
        answers.append(requests.post(live_server + NOTIFY, data=params, timeout=30).text)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["success"] * 20
    assert scalar(store, "SELECT count(*) FROM purchases") == 1
    assert scalar(store, "SELECT count(*) FROM purchase_lines") == 2
    assert balance(store, f"driver:{world.driver['id']}") == 1500
    assert len(outbox(store, "purchase")) == 1 and len(outbox(store, "payment_paid")) == 1
    summary = world.api.get("/stats/summary?scope=platform&kind=retail").get_json()
    assert summary["today"] == {"amount_cents": 1500, "units": 3, "orders": 1}


def test_a_repeat_days_later_still_success_still_one(world, store, alipay, client):
    body = created(world)
    scanned(alipay, body["qr_code"])
    sent, _ = alipay.notifier.sent[0]
    with store.engine.begin() as conn:  # days pass: the records age
        conn.execute(text("UPDATE idempotency_keys SET created_at = now() - interval '3 days'"))
        conn.execute(text("UPDATE payments SET created_at = now() - interval '3 days'"))
    assert notify(client, sent).get_data(as_text=True) == "success"
    assert scalar(store, "SELECT count(*) FROM purchases") == 1


def test_a_notification_before_precreate_replies(world, store, alipay):
    """The passenger pays (and Alipay notifies) before precreate's reply reaches the platform."""
    alipay.on_precreate = lambda trade: alipay.scan(alipay.trades.qr_code(trade), wait=True)
    body = created(world)
    assert alipay.notifier.sent[0][1] == "success"  # answered while the payment was still 'creating'
    assert body["status"] == "paid"
    assert payment(world, body["id"])["status"] == "paid"
    assert scalar(store, "SELECT count(*) FROM purchases") == 1


def test_alipay_refusing_or_down_leaves_no_row(world, store, alipay, client):
    alipay.refuse["alipay.trade.precreate"] = {"code": "20000", "msg": "Service Currently Unavailable",
                                               "sub_code": "aop.ACQ.SYSTEM_ERROR", "sub_msg": "系统繁忙"}
    refused = problem(create(world, idem="refused"), 502)
    assert "ACQ.SYSTEM_ERROR" in refused["detail"]
    assert scalar(store, "SELECT count(*) FROM payments") == 0
    assert created(world, idem="refused")["status"] == "pending"  # the same key tries again, and succeeds
    alipay.stop()
    problem(create(world, idem="down"), 502)
    assert scalar(store, "SELECT count(*) FROM payments") == 1
    assert scalar(store, "SELECT count(*) FROM idempotency_keys WHERE key = 'down'") == 0


def test_alipay_slow_is_a_502_within_the_timeout_and_others_go_on(world, store, alipay, live_server):
    import threading
    import time

    import requests

    from tests.ingest.world import stamp

    alipay.delay = 10.0
    timeout = store.settings.alipay_timeout_seconds
    started = time.monotonic()
    results = []

    def pay(n):
        reply = requests.post(live_server + "/api/v1/payments", timeout=30, json={
            "items": [{"sku": "COLA-330", "quantity": 1}]}, headers={
            "Authorization": f"Bearer {world.device['api_key']}", "Idempotency-Key": f"slow-{n}"})
        results.append((reply.status_code, time.monotonic() - started))

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    other = requests.post(live_server + "/api/v1/purchases", timeout=30, json={
        "occurred_at": stamp(), "items": [{"sku": "COLA-330", "quantity": 1}],
        "payment": {"method": "cash"}}, headers={"Authorization": f"Bearer {world.device['api_key']}",
                                                 "Idempotency-Key": "cash-1"})
    other_at = time.monotonic() - started
    for thread in threads:
        thread.join()
    assert other.status_code == 201 and other_at < timeout  # not behind the slow gateway
    assert sorted(status for status, _ in results) == [502] * 4
    assert max(at for _, at in results) < timeout + 1.5
    assert scalar(store, "SELECT count(*) FROM payments") == 0


def test_a_mismatch_opens_its_alert_right_after_the_commit(world, store, alipay, client, alerts_after_commit):
    """Through the one hand-off: the notification's payment_mismatch event names its payment, the
    follower evaluates that rule for it (flush waits for an evaluation under way), and the alert's own
    event follows it to the outbox."""
    from analytics.alerts.follow import follower
    from tests.api.payments import notification

    body = created(world)
    alipay.notifier.lose = 1
    scanned(alipay, body["qr_code"])
    response = notify(client, notification(alipay, body["id"], total_amount="14.99"))
    assert (response.status_code, response.get_data(as_text=True)) == (400, "fail")
    follower(store, None).flush()
    ((kind, severity, subject_type, subject_id, station_id, detail),) = rows(
        store, "SELECT kind, severity, subject_type, subject_id, station_id, detail FROM alerts "
               "WHERE resolved_at IS NULL")
    assert (kind, severity, subject_type, subject_id, station_id) == (
        "payment_mismatch", "critical", "payment", body["id"], None)
    assert detail["device_id"] == world.device["id"] and detail["total_cents"] == 1500
    assert [m["reason"] for m in detail["mismatches"]] == ["amount"]
    (event,) = outbox(store, "alert_opened")
    assert event["kind"] == "payment_mismatch" and event["subject"] == {"type": "payment", "id": body["id"]}
    listed = world.api.get("/alerts?kind=payment_mismatch").get_json()
    assert [a["subject"]["id"] for a in listed["items"]] == [body["id"]]
