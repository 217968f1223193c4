"""The one hand-off after a commit: use cases' committed outbox events go to
``store.committed.publish``; whoever needs them follows by name.

The live Redis apply is one follower (``analytics.follow_committed``, wired by
``create_app`` and the commands that build their own ``Store``); others (alerts,
the stream) can follow the same way. A follower must not raise: a failing one
is logged and the others still run, because the events are committed already and
the outbox replay is the safety net.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

log = logging.getLogger(__name__)

Follower = Callable[[list], None]


class Committed:
    """Named followers of committed events, called in the order they followed."""

    def __init__(self) -> None:
        self._followers: dict[str, Follower] = {}

    def follow(self, name: str, fn: Follower) -> None:
        """Follow by ``name``; following again under the same name replaces (init twice, one apply)."""
        self._followers[name] = fn

    def unfollow(self, name: str) -> None:
        self._followers.pop(name, None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._followers)

    def publish(self, events: Iterable | None) -> None:
        """Hand ``events`` (outbox rows: ``id``, ``kind``, ``payload``) to every follower; never raises."""
        events = list(events or ())
        if not events:
            return
        for name, fn in list(self._followers.items()):
            try:
                fn(events)
            except Exception:
                log.exception("follower %r of committed events failed", name)
