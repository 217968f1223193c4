"""The rebuild's aggregates: every counted figure from Postgres, written to staging keys.

One scan per event table builds day-level facts in temporary tables (lines
grouped by station/product/day and by owner/day in one pass with GROUPING
SETS); each period is then one GROUP BY over the facts. A sorted set arrives
as one ``string_agg`` text (a JSON array "[score, member, ...]") that ``lua/fill.lua`` decodes,
and one script call writes hundreds of keys of a scope: Python touches rows
of keys, never members. Everything runs inside the rebuild's snapshot, so
the figures are those of exactly the events with outbox ids up to its
watermark.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import text

from analytics import keys, periods, scripts

DAY_W = periods.sql_day("l.created_at")
DAY_R = periods.sql_day("l.occurred_at")

# Day-level facts, one row per (owner0, product, day), (owner0, day) or (owner1, day): the other
# columns are NULL. Lines are summed whole, and the lines of cancelled orders (few) subtracted,
# which spares an anti-join per line; a group left at zero stays, as a live cancel leaves it.
W_SETS = f"GROUPING SETS ((l.station_id, l.product_id, {DAY_W}), (l.station_id, {DAY_W}), (l.driver_id, {DAY_W}))"
R_SETS = f"GROUPING SETS ((l.product_id, {DAY_R}), (l.driver_id, {DAY_R}), (l.device_id, {DAY_R}))"
FACTS = [
    ("rb_w", f"""
CREATE TEMP TABLE rb_w ON COMMIT DROP AS
SELECT l.station_id AS s, l.driver_id AS d, l.product_id AS pid, {DAY_W} AS day,
       sum(l.quantity)::bigint AS u, sum(l.amount_cents)::bigint AS a, 0::bigint AS o
FROM order_lines l GROUP BY {W_SETS}
"""),
    ("rb_w_cancelled", f"""
INSERT INTO rb_w (s, d, pid, day, u, a, o)
SELECT l.station_id, l.driver_id, l.product_id, {DAY_W}, -sum(l.quantity), -sum(l.amount_cents), 0
FROM orders c JOIN order_lines l ON l.order_id = c.id AND l.created_at = c.created_at
WHERE c.status = 'cancelled' GROUP BY {W_SETS}
"""),
    ("rb_w_orders", f"""
INSERT INTO rb_w (s, d, pid, day, u, a, o)
SELECT l.station_id, l.driver_id, NULL, {DAY_W}, 0, 0, count(*) FROM orders l
WHERE l.status <> 'cancelled' GROUP BY GROUPING SETS ((l.station_id, {DAY_W}), (l.driver_id, {DAY_W}))
"""),
    ("rb_r", f"""
CREATE TEMP TABLE rb_r ON COMMIT DROP AS
SELECT l.driver_id AS s, l.device_id AS d, l.product_id AS pid, {DAY_R} AS day,
       sum(l.quantity)::bigint AS u, sum(l.amount_cents)::bigint AS a, 0::bigint AS o
FROM purchase_lines l GROUP BY {R_SETS}
"""),
    ("rb_r_orders", f"""
INSERT INTO rb_r (s, d, pid, day, u, a, o)
SELECT l.driver_id, l.device_id, NULL, {DAY_R}, 0, 0, count(*) FROM purchases l
GROUP BY GROUPING SETS ((l.driver_id, {DAY_R}), (l.device_id, {DAY_R}))
"""),
    ("rb_ads", f"""
CREATE TEMP TABLE rb_ads ON COMMIT DROP AS
SELECT ad_id, {periods.sql_day("played_at")} AS day, count(*)::bigint AS plays FROM ad_plays GROUP BY 1, 2
"""),
]
STAGING_SECONDS = 86400  # a staged key waits at most this long for its swap (a crashed rebuild's leftovers)
STREAM = {"stream_results": True, "max_row_buffer": 20_000}  # a server-side cursor: flat memory
SOURCE_LINES = "SELECT (SELECT count(*) FROM order_lines) + (SELECT count(*) FROM purchase_lines)"


@dataclass(frozen=True)
class Kind:
    """How a kind's facts map to scopes: ``s``/``d`` columns are these owners."""
    name: str
    table: str
    owners: tuple[str, str]  # scope kinds of columns s and d
    product_owner: str | None  # the owner column that also has product rankings ("s" for stations)


WHOLESALE = Kind("wholesale", "rb_w", ("station", "driver"), "s")  # stations ranked on the platform
RETAIL = Kind("retail", "rb_r", ("driver", "device"), None)  # drivers ranked on the platform


class Filler:
    """Bulk writes through ``lua/fill.lua``: records buffered per scope (one slot), many keys per
    call, sent by a thread of their own so that Redis works while the next rows are read."""

    def __init__(self, client, generation: str, bytes_per_call: int = 512 * 1024, calls_per_send: int = 8):
        self.client, self.generation = client, generation
        self.bytes_per_call, self.calls_per_send = bytes_per_call, calls_per_send
        self._buffers: dict[str, list] = {}  # scope -> [records, bytes]
        self._calls: list = []
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._sender = threading.Thread(target=self._send_loop, name="rebuild-fill", daemon=True)
        self._sender.start()

    def add(self, scope: str, key: str, kind: str, at: int | None, payload: str) -> None:
        buffer = self._buffers.setdefault(scope, [[], 0])
        buffer[0].append(f"{key}\t{kind}\t{at or 0}\t{payload}")
        buffer[1] += len(payload) + 64
        if buffer[1] >= self.bytes_per_call:
            self._call(scope)

    def _call(self, scope: str) -> None:
        records, _ = self._buffers.pop(scope)
        self._calls.append(("fill", [keys.staging_registry(scope, self.generation)],
                            ["\n".join(records), STAGING_SECONDS]))
        if len(self._calls) >= self.calls_per_send:
            self._put()

    def _put(self) -> None:
        if self._error is not None:
            raise self._error
        calls, self._calls = self._calls, []
        if calls:
            self._queue.put(calls)

    def _send_loop(self) -> None:
        while (calls := self._queue.get()) is not None:
            try:
                if self._error is None:
                    for result in scripts.run(self.client, calls):
                        if isinstance(result, Exception):
                            raise result
            except BaseException as exc:  # reported to the producer at its next put or at close
                self._error = exc

    def flush(self) -> None:
        """Send everything buffered and wait until Redis has it."""
        for scope in list(self._buffers):
            self._call(scope)
        self._put()
        self._queue.put(None)
        self._sender.join()
        if self._error is not None:
            raise self._error


class Staged(Filler):
    """Writes staging keys (registered per scope for the swap)."""

    def __init__(self, client, generation: str, **kw):
        super().__init__(client, generation, **kw)
        self.scopes: set[str] = set()
        self.count = 0
        self.now = int(time.time())

    def stage(self, scope: str, live: str, kind: str, at: int | None, payload: str) -> None:
        if payload in ("", "[]") or (at is not None and at <= self.now):
            return  # nothing, or past its retention (the live key would be gone already)
        self.scopes.add(scope)
        self.count += 1
        self.add(scope, keys.staging(live), kind, at, payload)


def periods_to_build(since: date | None) -> list[tuple[str, date | None]]:
    """(period, first day of the facts to read) for each period rebuilt."""
    return [(p, None if since is None or p == "total" else periods.period_start(p, since)) for p in periods.PERIODS]


def build_facts(conn, tz_name: str) -> int:
    """The day-level facts; returns how many order and purchase lines they summarise."""
    for _, sql in FACTS:
        conn.execute(text(sql), {"tz": tz_name})
    for table in ("rb_w", "rb_r", "rb_ads"):
        conn.execute(text(f"ANALYZE {table}"))
    return conn.execute(text(SOURCE_LINES)).scalar()


def _key(period: str) -> tuple[str, str]:
    """The period key's expression, and the GROUP BY prefix for it (none for the constant 'total')."""
    k = periods.sql_key(period, "day")
    return k, "" if period == "total" else f"{k}, "


def _where(start: date | None) -> str:
    return "" if start is None else "AND day >= :start"


def stage_products(conn, staged: Staged, kind: Kind, period: str, start: date | None, tz) -> None:
    k, g = _key(period)
    owner = kind.product_owner
    sets = f"GROUPING SETS (({owner}, {g}pid), ({g}pid))" if owner else f"{g}pid"
    sql = f"""
SELECT {owner if owner else 'NULL'} AS owner, k, '[' || string_agg(a || ',' || pid, ',') || ']' AS by_amount,
       '[' || string_agg(u || ',' || pid, ',') || ']' AS by_units FROM (
  SELECT {owner + ', ' if owner else ''}{k} AS k, pid, sum(u)::bigint AS u, sum(a)::bigint AS a FROM {kind.table}
  WHERE pid IS NOT NULL {_where(start)} GROUP BY {sets} HAVING sum(a) <> 0) g
GROUP BY 1, 2"""
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        scope = keys.PLATFORM if row.owner is None else keys.scope_of(kind.owners[0], row.owner)
        bucket, at = _bucket(period, row.k, tz)
        staged.stage(scope, keys.product_rank(scope, kind.name, "amount", bucket), "Z", at, row.by_amount)
        staged.stage(scope, keys.product_rank(scope, kind.name, "units", bucket), "Z", at, row.by_units)


def stage_totals(conn, staged: Staged, kind: Kind, period: str, start: date | None, tz) -> None:
    """Totals hashes of every scope, and the platform ranking of the first owner (stations, drivers)."""
    k, g = _key(period)
    sums = f"{k} AS k, sum(u)::bigint AS u, sum(a)::bigint AS a, sum(o)::bigint AS o FROM {kind.table}"
    first = f"""SELECT s AS owner, {sums}
WHERE pid IS NULL AND s IS NOT NULL {_where(start)} GROUP BY GROUPING SETS (({g}s), ({g.rstrip(', ')}))"""
    second = f"SELECT d AS owner, {sums} WHERE pid IS NULL AND d IS NOT NULL {_where(start)} GROUP BY {g}d"
    ranking: dict[str, dict[int, tuple]] = {}
    for owner_kind, sql in ((kind.owners[0], first), (kind.owners[1], second)):
        for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
            if row.o is None:  # the grand-total grouping set yields one row of NULLs when there are no sales
                continue
            scope = keys.PLATFORM if row.owner is None else keys.scope_of(owner_kind, row.owner)
            bucket, at = _bucket(period, row.k, tz)
            staged.stage(scope, keys.totals(scope, kind.name, bucket), "H", at,
                         f'["amount",{row.a},"units",{row.u},"orders",{row.o}]')
            if row.owner is not None and owner_kind == kind.owners[0]:
                ranking.setdefault(row.k, {})[row.owner] = (row.a, row.u, row.o)
    rank_key, figures_key = ((keys.station_rank, keys.station_figures) if kind.name == "wholesale"
                             else (keys.driver_rank, keys.driver_figures))
    for pkey, owners in ranking.items():
        bucket, at = _bucket(period, pkey, tz)
        # as live: every owner of the period has its fields, only non-zero amounts are ranked
        staged.stage(keys.PLATFORM, rank_key(bucket), "Z", at,
                     "[" + ",".join(f"{a},{i}" for i, (a, _, _) in owners.items() if a) + "]")
        staged.stage(keys.PLATFORM, figures_key(bucket), "H", at,
                     "[" + ",".join(f'"{i}:u",{u},"{i}:o",{o}' for i, (_, u, o) in owners.items()) + "]")


def stage_ads(conn, staged: Staged, period: str, start: date | None, tz) -> None:
    k, g = _key(period)
    sql = f"""
SELECT k, '[' || string_agg(plays || ',' || ad_id, ',') || ']' AS plays FROM (
  SELECT {k} AS k, ad_id, sum(plays)::bigint AS plays FROM rb_ads WHERE true {_where(start)} GROUP BY {g}ad_id) g
GROUP BY k"""
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        bucket, at = _bucket(period, row.k, tz)
        staged.stage(keys.PLATFORM, keys.ad_plays(bucket), "Z", at, row.plays)


@lru_cache(maxsize=None)
def _bucket(period: str, pkey: str, tz) -> tuple[str, int | None]:
    if period == "total":
        return "total", None
    return f"{period}:{pkey}", periods.expire_at(period, pkey, tz)


def stage_all(conn, staged: Staged, since: date | None, tz, progress=None) -> None:
    steps = [(stage_products, (WHOLESALE,)), (stage_totals, (WHOLESALE,)), (stage_products, (RETAIL,)),
             (stage_totals, (RETAIL,)), (stage_ads, ())]
    for period, start in periods_to_build(since):
        for step, args in steps:
            step(conn, staged, *args, period, start, tz)
            if progress is not None:
                progress.update(1)
    staged.flush()


ACTIVE_DAYS = "SELECT day, '[' || string_agg(driver_id::text, ',') || ']' AS ids FROM driver_activity GROUP BY day"
CHECKINS = ("SELECT driver_id, CAST(extract(year FROM day) AS int) AS year, "
            "'[' || string_agg(CAST(extract(doy FROM day) - 1 AS int)::text, ',') || ']' AS days "
            "FROM driver_activity GROUP BY 1, 2")


def fill_bitmaps(conn, filler: Filler, tz) -> int:
    """Active-driver and check-in bitmaps, bits set over the live ones (a bit set is never wrong)."""
    days = 0
    for row in conn.execute(text(ACTIVE_DAYS), execution_options=STREAM):
        filler.add(keys.PLATFORM, keys.active_drivers(row.day.isoformat()), "B",
                   periods.expire_at("day", row.day.isoformat(), tz), row.ids)
        days += 1
    for row in conn.execute(text(CHECKINS), execution_options=STREAM):
        filler.add(keys.driver(row.driver_id), keys.checkins(row.driver_id, row.year), "B",
                   periods.expire_at("year", str(row.year), tz), row.days)
    filler.flush()
    return days
