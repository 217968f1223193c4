"""The hub's subscriber thread: the applied events from Redis pub/sub into the hub's loop.

On a Redis Cluster ``pubsub()`` is redis-py's ``ClusterPubSub``: a cluster's PUBLISH reaches
every node, so the node the channel's slot names serves. Losing Redis closes every stream
(the screens say they are reconnecting) and the subscriber tries again, 0.2 s to 5 s apart;
each (re)subscription marks every watched scope for a fresh computation.
"""
from __future__ import annotations

import logging

from analytics import keys

log = logging.getLogger(__name__)


def listen(hub) -> None:
    pause = 0.2
    while not hub.stopping.is_set():
        try:
            hub.pubsub = pubsub = hub.store.redis.pubsub(ignore_subscribe_messages=False)
            pubsub.subscribe(keys.channel())
            while not hub.stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "message":
                    hub.loop.call_soon_threadsafe(hub.on_message, message["data"])
                elif message["type"] == "subscribe":
                    hub.up.set()
                    pause = 0.2
                    hub.loop.call_soon_threadsafe(hub.resubscribed)
        except Exception as exc:  # Redis away: every screen says so and reconnects; try again
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
