"""The README's example consumer, run as written (on this test's exchange and queue): it receives
the purchases and orders the relay publishes, each once."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.relay.broker import unique
from tests.relay.test_stream import RelayThread
from tests.relay.workload import fleet_for

README = Path(__file__).resolve().parents[2] / "docs" / "operations.md"  # the manual, linked from README.md


def consumer_code(exchange: str, queue: str, amqp_url: str) -> str:
    section = README.read_text().split("## Event stream (AMQP)", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "start_consuming()" in code and "message_id" in code
    return (code.replace('"buyfree.events"', repr(exchange)).replace('"finance.sales"', repr(queue))
            .replace('"amqp://guest:guest@127.0.0.1:5672/"', repr(amqp_url))
            .replace("channel.start_consuming()", "connection.process_data_events(time_limit=8)"))


def test_the_readme_consumer_gets_purchases_and_orders(app, api, store, amqp_url, exchange):
    queue = unique("buyfree.test.readme")
    code = consumer_code(exchange, queue, amqp_url)
    fleet = fleet_for(api)
    relay = RelayThread(store, amqp_url, exchange)
    try:
        # the consumer's durable queue must exist before the events go out: declare it first
        subprocess.run([sys.executable, "-c", code.replace("connection.process_data_events(time_limit=8)", "")],
                       check=True, timeout=30)
        fleet.purchase(fleet.devices[0], [(fleet.products[0]["sku"], 1)])
        order = fleet.order(fleet.drivers[0], [(fleet.stations[0]["id"], fleet.products[0]["sku"], 1)])
        fleet.cancel(order["orders"][0]["id"])
        fleet.ad_plays(fleet.devices[0], [(fleet.ads[0]["id"], order["orders"][0]["created_at"])])
        assert relay.drain(store) == 0
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    finally:
        relay.stop()
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        connection.channel().queue_delete(queue)
        connection.close()
    types = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert types == ["purchase.recorded", "order.placed", "order.cancelled"]  # bound to purchase.* and order.#
