"""The parts of one scope's screens, in the hub's query threads, encoded once for all its streams."""
from __future__ import annotations

import logging
import time

import orjson

from analytics import queries
from stream import routing
from stream.routing import DRIVERS, FIGURES, SALE

log = logging.getLogger(__name__)
TICKER = 12  # ticker lines a screen keeps (and is sent when it connects)


def parts_of(store, scope: str, parts: set[str]) -> dict:
    """In the pool: the parts asked for, JSON-encoded once for every stream of the scope."""
    started = time.perf_counter()
    station_id = None if scope == routing.PLATFORM else int(scope.split(":", 1)[1])
    out: dict = {}
    if FIGURES in parts:
        figures = queries.screen_figures(store, scope)
        out["figures"] = orjson.dumps(figures)
        for part in (figures, figures["summary"], figures.get("retail", {})):
            part["as_of"] = None  # a new second alone is no news for a screen
        out["sameness"] = orjson.dumps(figures)
    if DRIVERS in parts:
        feed = queries.screen_map(store, scope)
        out["drivers"] = orjson.dumps(feed)
        out["shown"] = {f["properties"]["driver_id"] for f in feed["features"]}
    if SALE in parts:
        out["ticker"] = queries.latest_sales(store, limit=TICKER, station_id=station_id)["items"]
    log.debug("live stream: %s %s in %.1f ms", scope, sorted(parts), (time.perf_counter() - started) * 1000)
    return out
