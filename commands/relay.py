"""``python app.py relay``: the AMQP relay, a process of its own (see relay/).

Not a scheduler job: it holds a broker connection open and publishes as soon
as events commit (a job runs at most once a second and would block one of the
scheduler's threads for good); as its own process it stops on SIGTERM after
the batch in flight, and runs where and as often as wanted (one leads, the
others stand by).
"""
from __future__ import annotations

import logging
import signal

log = logging.getLogger("buyfree.relay")


def add_arguments(parser) -> None:
    # relay.loop.BATCH (not imported here: parsing the command line stays free of pika)
    parser.add_argument("--batch", type=int, default=2000, help="events per publish (default 2000)")


def run(args) -> int:
    from config.embedded import ensure_servers
    from config import load_settings
    from relay.loop import Relay
    from store import Store

    settings = ensure_servers(load_settings())
    if not settings.amqp_url:
        print("BUYFREE_AMQP_URL is not set: there is no event stream to publish")
        return 2
    store = Store.from_settings(settings)
    relay = Relay(store, batch=args.batch)
    signal.signal(signal.SIGTERM, relay.stop)
    signal.signal(signal.SIGINT, relay.stop)
    try:
        relay.run()
    finally:
        store.close()
    return 0
