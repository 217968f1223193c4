"""What the hub keeps: each open stream, and per scope its streams and last figures."""
from __future__ import annotations

from stream import rights
from stream.routing import DRIVERS, FIGURES, SALE

ALL_PARTS = frozenset((FIGURES, SALE, DRIVERS))


class Stream:
    __slots__ = ("grant", "sink")

    def __init__(self, grant: rights.Grant, sink):
        self.grant, self.sink = grant, sink


class ScopeState:
    """One scope's open streams, what changed since its last computation, and its last figures."""
    __slots__ = ("name", "streams", "waiting", "dirty", "timer", "busy", "last", "figures", "sameness", "drivers",
                 "ticker", "alerts", "shown")

    def __init__(self, name: str):
        self.name = name
        self.streams: set[Stream] = set()
        self.waiting: set[Stream] = set()  # joined before this scope's first computation
        self.dirty: set[str] = set(ALL_PARTS)
        self.timer = None
        self.busy = False
        self.last = 0.0
        self.figures: bytes | None = None
        self.sameness: bytes | None = None  # the figures without their "as of" times: unchanged -> not sent
        self.drivers: bytes | None = None
        self.ticker: list[dict] = []
        self.alerts: list[dict] = []
        self.shown: set[int] = set()  # drivers on this scope's map
