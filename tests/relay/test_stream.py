"""The stream: a consumer bound to the exchange gets every event of a mixed workload exactly once
after dedupe on message_id, in commit order per subject; through a broker that goes away and comes
back; through a SIGTERM (and a SIGKILL) of the relay process mid-batch."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pika
import pytest

from relay.loop import Relay
from tests.relay.broker import CuttableProxy
from tests.relay.workload import check_stream, fleet_for, outbox, run_workload, unpublished

ROOT = Path(__file__).resolve().parents[2]


class RelayThread:
    def __init__(self, store, url, exchange, **kw):
        self.relay = Relay(store, url=url, exchange=exchange, **kw)
        self.thread = threading.Thread(target=self.relay.run, daemon=True)
        self.thread.start()

    def drain(self, store, seconds=60):
        deadline = time.monotonic() + seconds
        while unpublished(store) and time.monotonic() < deadline:
            time.sleep(0.05)
        return unpublished(store)

    def stop(self):
        self.relay.stop()
        self.thread.join(15)
        assert not self.thread.is_alive()


def test_every_event_of_a_mixed_workload_once_in_order_per_subject(app, api, store, amqp_url, exchange, consumer):
    fleet = fleet_for(api)
    relay = RelayThread(store, amqp_url, exchange, batch=50)
    try:
        run_workload(app, fleet)
        assert relay.drain(store) == 0
    finally:
        relay.stop()
    expected = outbox(store)
    kinds = {e["type"] for e in expected.values()}
    assert {"purchase.recorded", "order.placed", "order.picked_up", "order.cancelled", "ad_play.recorded",
            "alert.opened", "device.online"} <= kinds
    counts = check_stream(consumer.wait_for(set(expected)), expected)
    assert counts["duplicates"] == 0 and relay.relay.counters.failures == 0


def test_broker_away_and_back_mid_run_loses_nothing(app, api, store, amqp_url, exchange, consumer):
    params = pika.URLParameters(amqp_url)
    proxy = CuttableProxy(params.host, params.port)
    url = f"amqp://{params.credentials.username}:{params.credentials.password}@127.0.0.1:{proxy.port}/"
    fleet = fleet_for(api)
    relay = RelayThread(store, url, exchange, batch=20)
    done = threading.Event()

    def cut_now_and_then():
        while not done.is_set():
            time.sleep(0.4)
            proxy.cut()  # every open connection dropped, new ones refused...
            time.sleep(0.8)
            proxy.restore()  # ... and back

    cutter = threading.Thread(target=cut_now_and_then, daemon=True)
    cutter.start()
    try:
        run_workload(app, fleet)
        done.set()
        cutter.join()
        proxy.restore()
        assert relay.drain(store) == 0
    finally:
        done.set()
        relay.stop()
        proxy.close()
    expected = outbox(store)
    check_stream(consumer.wait_for(set(expected)), expected)
    assert relay.relay.counters.failures >= 1 and proxy.connections >= 2  # it did lose the broker, and came back


def test_api_unaffected_while_the_broker_is_down(app, api, store, exchange):
    from tests.helpers import closed_port

    fleet = fleet_for(api)
    relay = RelayThread(store, f"amqp://guest:guest@127.0.0.1:{closed_port()}/", exchange)
    try:
        started = time.monotonic()
        run_workload(app, fleet, rounds=2, threads=2)
        assert time.monotonic() - started < 60
        assert unpublished(store) == len(outbox(store)) + internal(store)  # every event waits in Postgres
    finally:
        relay.stop()
    assert relay.relay.counters.published == 0 and relay.relay.counters.failures >= 1


def internal(store):
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE kind IN ('driver_active', 'driver_location')")).scalar()


def relay_process(settings, amqp_url, exchange, batch):
    env = {**os.environ, "BUYFREE_DATABASE_URL": settings.database_url, "BUYFREE_REDIS_URL": settings.redis_url,
           "BUYFREE_AMQP_URL": amqp_url, "BUYFREE_AMQP_EXCHANGE": exchange, "BUYFREE_DATA_DIR": str(settings.data_dir),
           "BUYFREE_ADMIN_TOKEN": settings.admin_token, "BUYFREE_SECRET_KEY": settings.secret_key}
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), "relay", "--batch", str(batch)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_relay_stopped_mid_batch_loses_nothing(app, api, store, settings, amqp_url, exchange, consumer, stop_signal):
    fleet = fleet_for(api)
    device = fleet.devices[0]
    sku = fleet.products[0]["sku"]
    from tests.analytics.traffic import ago

    for n in range(6):  # a backlog of 3,000 events before the relay starts
        fleet.purchase_batch(device, [(ago(seconds=n * 500 + i + 1), [(sku, 1)]) for i in range(500)])
    expected = outbox(store)
    proc = relay_process(settings, amqp_url, exchange, batch=200)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(consumer.messages) < 700:
            time.sleep(0.01)
        assert 0 < len(consumer.messages) < len(expected), "the relay should be mid-stream"
        proc.send_signal(stop_signal)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    if stop_signal == signal.SIGTERM:
        assert proc.returncode == 0, output
    left = unpublished(store)
    assert 0 < left < len(expected)
    time.sleep(0.5)
    got = {m["message_id"] for m in consumer.messages}
    from sqlalchemy import text

    with store.engine.connect() as conn:
        marked = {str(i) for i in conn.execute(text("SELECT id FROM outbox WHERE published_at IS NOT NULL")).scalars()}
    assert marked & set(expected) <= got  # marked only once confirmed: every marked event did reach the queue
    again = relay_process(settings, amqp_url, exchange, batch=200)
    try:
        counts = check_stream(consumer.wait_for(set(expected)), expected)
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=30)
    assert unpublished(store) == 0
    if stop_signal == signal.SIGTERM:
        assert counts["duplicates"] == 0  # the batch in flight was finished and marked before it exited


def test_readyz_and_metrics_show_the_relay_backlog(app, api, store, client):
    fleet = fleet_for(api)
    fleet.purchase(fleet.devices[0], [(fleet.products[0]["sku"], 1)])
    assert client.get("/readyz").get_json()["relay_backlog"] is None  # no BUYFREE_AMQP_URL in the tests' app
    assert "\nbuyfree_relay_backlog " not in client.get("/metrics").get_data(as_text=True)  # no sample
    store.settings.amqp_url = "amqp://guest:guest@127.0.0.1:5672/"
    try:
        assert client.get("/readyz").get_json()["relay_backlog"] == unpublished(store) == 1
        assert "buyfree_relay_backlog 1.0" in client.get("/metrics").get_data(as_text=True)
    finally:
        store.settings.amqp_url = None
