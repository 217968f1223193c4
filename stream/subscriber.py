"""The hub's subscriber thread: the applied events from Redis pub/sub into the hub's loop.

It is subscribed only while a stream is open (``hub.watched``): with no screen watching,
reading every published event would cost the process a wake-up per event for nothing
(docs/capacity.md). Meanwhile it pings Redis once a second, so that ``hub.up`` still says
whether a new stream would be served. A stream that opens while nothing is subscribed gets
its first figures once the subscription stands (``hub.resubscribed``), so that nothing
published in between is missed.

On a Redis Cluster ``pubsub()`` is redis-py's ``ClusterPubSub``: a cluster's PUBLISH reaches
every node, so the node the channel's slot names serves. Losing Redis closes every stream
(the screens say they are reconnecting) and the subscriber tries again, 0.2 s to 5 s apart;
each (re)subscription marks every watched scope for a fresh computation.
"""
from __future__ import annotations

import logging

from analytics import keys

log = logging.getLogger(__name__)
IDLE_PING_SECONDS = 1.0


def listen(hub) -> None:
    pause = 0.2
    while not hub.stopping.is_set():
        try:
            hub.pubsub = pubsub = hub.store.redis.pubsub(ignore_subscribe_messages=False)
            subscribed = False
            while not hub.stopping.is_set():
                if not hub.watched.is_set():
                    if subscribed:  # the last stream closed
                        pubsub.unsubscribe()
                        subscribed = False
                        hub.listening.clear()
                    hub.store.redis.ping()
                    hub.up.set()
                    pause = 0.2
                    hub.watched.wait(IDLE_PING_SECONDS)
                    continue
                if not subscribed:
                    pubsub.subscribe(keys.channel())
                    subscribed = True
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "message":
                    hub.loop.call_soon_threadsafe(hub.on_message, message["data"])
                elif message["type"] == "subscribe":
                    hub.up.set()
                    hub.listening.set()
                    pause = 0.2
                    hub.loop.call_soon_threadsafe(hub.resubscribed)
        except Exception as exc:  # Redis away: every screen says so and reconnects; try again
            hub.listening.clear()
            if hub.stopping.is_set():
                return
            if hub.up.is_set():
                log.warning("live stream: subscriber lost Redis (%s); streams closed until it is back", exc)
            hub.up.clear()
            hub.loop.call_soon_threadsafe(hub.close_all)
            try:
                hub.pubsub.close()
            except Exception:
                pass
            hub.stopping.wait(pause)
            pause = min(pause * 2, 5.0)
