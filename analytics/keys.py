"""Every Redis key of the analytics, built here and nowhere else.

All keys live under ``bf:`` and carry the hash tag of their *scope*: ``{p}``
(platform), ``{s:3}`` (station 3), ``{d:7}`` (driver 7), ``{v:2}`` (device 2).
Everything one event changes in one scope shares a cluster slot, so one Lua
script per scope stays single-slot on a Redis Cluster.

Time-bucketed keys end in the bucket (``day:2026-11-28``, ``week:2026-W48``,
``month:2026-11``, ``year:2026``, ``total``); ``analytics.periods`` makes the
buckets and their expiry times. Figures are short kind codes: ``w`` wholesale
(replenishment orders), ``r`` retail (purchases).
"""
from __future__ import annotations

import hashlib
from functools import cache, lru_cache

from store.locks import lock_key

PLATFORM = "p"
GEO_MAX_LAT = 85.05112878  # Redis GEO's (Web Mercator) limit: points beyond it stay in Postgres only
KINDS = {"wholesale": "w", "retail": "r"}
SCOPE_KINDS = {"platform": "p", "station": "s", "driver": "d", "device": "v"}


# scopes ---------------------------------------------------------------------------
def station(station_id: int) -> str:
    return f"s:{station_id}"


def driver(driver_id: int) -> str:
    return f"d:{driver_id}"


def device(device_id: int) -> str:
    return f"v:{device_id}"


def scope_of(kind: str, owner_id: int | None = None) -> str:
    """``("station", 3)`` → ``s:3``; ``("platform", None)`` → ``p``."""
    code = SCOPE_KINDS[kind]
    return code if code == PLATFORM else f"{code}:{owner_id}"


def _k(scope: str, *parts) -> str:
    return ":".join(("bf", "{" + scope + "}", *map(str, parts)))


# sales figures (counted: rebuilt by swapping whole keys) -----------------------------
def totals(scope: str, kind: str, bucket: str) -> str:
    """Hash ``amount``, ``units``, ``orders`` of one scope, kind and period."""
    return _k(scope, KINDS[kind], "tot", bucket)


def product_rank(scope: str, kind: str, by: str, bucket: str) -> str:
    """Sorted set product id → amount (``by="amount"``) or units; platform and stations."""
    return _k(scope, KINDS[kind], "prod", by, bucket)


def station_rank(bucket: str) -> str:
    """Platform sorted set station id → wholesale amount."""
    return _k(PLATFORM, "w", "stn", bucket)


def station_figures(bucket: str) -> str:
    """Platform hash ``<station id>:u`` (units) and ``<station id>:o`` (orders)."""
    return _k(PLATFORM, "w", "stnx", bucket)


def driver_rank(bucket: str) -> str:
    """Platform sorted set driver id → retail amount."""
    return _k(PLATFORM, "r", "drv", bucket)


def driver_figures(bucket: str) -> str:
    """Platform hash ``<driver id>:u`` and ``<driver id>:o`` of retail sales."""
    return _k(PLATFORM, "r", "drvx", bucket)


def ad_plays(bucket: str) -> str:
    """Platform sorted set ad id → plays."""
    return _k(PLATFORM, "ads", bucket)


def closed_days(scope: str, kind: str) -> str:
    """List of closed days' totals, newest first (JSON ``{"date", "amount_cents", "units", "orders"}``),
    pushed by the day roll; the rolling 7-day series reads it beside the day hashes."""
    return _k(scope, KINDS[kind], "days")


# places and people -------------------------------------------------------------------
def stations_geo() -> str:
    return _k(PLATFORM, "geo", "stations")


@cache  # the same name for every event: built once
def drivers_geo() -> str:
    """Drivers' live positions (GEO); ``drivers_seen`` holds when each was recorded."""
    return _k(PLATFORM, "geo", "drivers")


@cache  # the same name for every event: built once
def drivers_seen() -> str:
    """Sorted set driver id → unix time of the position in ``drivers_geo``."""
    return _k(PLATFORM, "seen", "drivers")


@cache  # the same name for every event: built once
def drivers_positions() -> str:
    """Hash driver id → "lng,lat,unix time": the map's read of many drivers is one HMGET
    (GEOPOS and ZMSCORE of a few hundred members cost several times more)."""
    return _k(PLATFORM, "pos", "drivers")


def active_drivers(day_key: str) -> str:
    """Bitmap of the drivers active on one business day (bit = driver id)."""
    return _k(PLATFORM, "active", "day", day_key)


def active_union(bucket: str) -> str:
    """Short-lived ``BITOP OR`` of a week's or month's day bitmaps."""
    return _k(PLATFORM, "active", "or", bucket)


def checkins(driver_id: int, year: int) -> str:
    """One driver's active days of a year (bit = day of the year - 1): streaks."""
    return _k(driver(driver_id), "checkin", year)


# catalogue -------------------------------------------------------------------------------
def product_names() -> str:
    """Sorted set (all scores 0) of ``<lower name>\\0<id>``: prefix search by name (ZRANGEBYLEX)."""
    return _k(PLATFORM, "lex", "names")


def product_skus() -> str:
    """Sorted set of ``<lower sku>\\0<lower name>\\0<id>``: prefix search by sku, sortable by name."""
    return _k(PLATFORM, "lex", "skus")


def labels(kind: str) -> str:
    """Hash id → JSON label of ``products``, ``stations``, ``drivers`` or ``ads`` (names for rankings)."""
    return _k(PLATFORM, "labels", kind)


@lru_cache(maxsize=4096)
def recent_sales(scope: str) -> str:
    """The latest sales of a scope (JSON, newest first): the screen's ticker."""
    return _k(scope, "recent")


# exactly once and rebuilds ------------------------------------------------------------------
def dedupe(scope: str, event_id: int) -> str:
    """Set (NX, with a TTL) by the first apply of an outbox event in a scope."""
    return _k(scope, "ev", event_id)


def generation(scope: str) -> str:
    """The rebuild generation of a scope's figures (the value dedupe keys record)."""
    return _k(scope, "gen")


def registry(scope: str) -> str:
    """Sorted set of a scope's counted keys (score: expiry time): what a rebuild replaces."""
    return _k(scope, "keys")


STAGING = "bf:rb:"
LIVE = "bf:"


def staging(key: str) -> str:
    """Where a rebuild writes a key before swapping it in (same hash tag, same slot)."""
    return STAGING + key[len(LIVE):]


def staging_registry(scope: str, generation: str) -> str:
    """The keys one rebuild staged in a scope (a list)."""
    return staging(registry(scope)) + ":" + generation


def built() -> str:
    """Marker: Redis holds a full build from Postgres (JSON: when, watermark, generation)."""
    return _k(PLATFORM, "built")


def rebuilding() -> str:
    """Set while a rebuild writes staging keys: found at the start of the next one, its leftovers go."""
    return _k(PLATFORM, "rebuilding")


def job_lock(job_id: str) -> str:
    """A scheduler job's lock. Built in ``store.locks`` (the lowest layer that takes it: store
    cannot import analytics); named here so this module lists every key."""
    return lock_key(job_id)


def login_attempts(*parts: str) -> str:
    """``bf:login:<sha256 of the parts>``: sign-in attempt counters (dashboard.ratelimit);
    user-typed names never shape a key."""
    return "bf:login:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def everything() -> str:
    """The SCAN pattern of every key of the application."""
    return "bf:*"


def rebuild_lock() -> str:
    """Held while a rebuild runs (a ``store.locks.JobLock`` named ``rebuild``)."""
    return lock_key("rebuild")


def channel() -> str:
    """Pub/sub channel: one compact JSON message per applied event."""
    return "bf:events"


def signed_out(session_id: str) -> str:
    """Set (with the session's lifetime as TTL) when a console session signs out: its open
    live streams end at the next rights check (a signed cookie alone cannot be taken back)."""
    return _k(PLATFORM, "signedout", session_id)
