"""The rebuild's aggregates: every counted figure from Postgres, written to staging keys.

One scan per event table builds day-level facts in temporary tables (lines
grouped by station/product/day and by owner/day in one pass with GROUPING
SETS); each period is then one GROUP BY over the facts whose rows carry whole
arrays (one Redis command per key, not per member). Everything runs inside
the rebuild's snapshot, so the figures are those of exactly the events with
outbox ids up to its watermark.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text

from analytics import keys, periods

DAY_W = periods.sql_day("l.created_at")
DAY_R = periods.sql_day("l.occurred_at")

# Day-level facts. pid NULL: an owner row (units, amount); otherwise a product row.
FACTS = [
    ("rb_w", f"""
CREATE TEMP TABLE rb_w ON COMMIT DROP AS
SELECT l.station_id AS s, l.driver_id AS d, l.product_id AS pid, {DAY_W} AS day,
       sum(l.quantity)::bigint AS u, sum(l.amount_cents)::bigint AS a, 0::bigint AS o
FROM order_lines l
WHERE NOT EXISTS (SELECT 1 FROM orders c WHERE c.status = 'cancelled' AND c.id = l.order_id
                  AND c.created_at = l.created_at)
GROUP BY GROUPING SETS ((l.station_id, l.product_id, {DAY_W}), (l.station_id, l.driver_id, {DAY_W}))
"""),
    ("rb_w_orders", f"""
INSERT INTO rb_w (s, d, pid, day, u, a, o)
SELECT l.station_id, l.driver_id, NULL, {DAY_W}, 0, 0, count(*) FROM orders l
WHERE l.status <> 'cancelled' GROUP BY 1, 2, 4
"""),
    ("rb_r", f"""
CREATE TEMP TABLE rb_r ON COMMIT DROP AS
SELECT l.driver_id AS s, l.device_id AS d, l.product_id AS pid, {DAY_R} AS day,
       sum(l.quantity)::bigint AS u, sum(l.amount_cents)::bigint AS a, 0::bigint AS o
FROM purchase_lines l
GROUP BY GROUPING SETS ((l.product_id, {DAY_R}), (l.driver_id, l.device_id, {DAY_R}))
"""),
    ("rb_r_orders", f"""
INSERT INTO rb_r (s, d, pid, day, u, a, o)
SELECT l.driver_id, l.device_id, NULL, {DAY_R}, 0, 0, count(*) FROM purchases l GROUP BY 1, 2, 4
"""),
    ("rb_ads", f"""
CREATE TEMP TABLE rb_ads ON COMMIT DROP AS
SELECT ad_id, {periods.sql_day("played_at")} AS day, count(*)::bigint AS plays FROM ad_plays GROUP BY 1, 2
"""),
]
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


@dataclass
class Staged:
    """Staging writes in pipelines; remembers each scope's staged live keys and their expiry."""
    client: object
    chunk: int = 5000
    keys: dict[str, dict[str, int]] = field(default_factory=dict)  # scope -> live key -> expire-at (0: none)
    now: int = field(default_factory=lambda: int(time.time()))
    _pipe: object = None
    _queued: int = 0

    def _live(self, scope: str, live: str, at: int | None) -> str | None:
        if at is not None and at <= self.now:
            return None  # past its retention: the live key would be gone already
        self.keys.setdefault(scope, {})[live] = at or 0
        if self._pipe is None:
            self._pipe = self.client.pipeline(transaction=False)
        stage = keys.staging(live)
        self._pipe.delete(stage)  # a crashed earlier rebuild may have left it
        return stage

    def _done(self, stage: str, at: int | None, size: int) -> None:
        if at:
            self._pipe.expireat(stage, at)
        self._queued += 3 + size
        if self._queued >= self.chunk:
            self.flush()

    def hash(self, scope: str, live: str, at: int | None, mapping: dict) -> None:
        stage = self._live(scope, live, at)
        if stage is not None and mapping:
            self._pipe.hset(stage, mapping=mapping)
            self._done(stage, at, len(mapping))

    def zset(self, scope: str, live: str, at: int | None, members, scores) -> None:
        stage = self._live(scope, live, at)
        if stage is not None and members:
            flat = [v for pair in zip(scores, members) for v in pair]
            self._pipe.execute_command("ZADD", stage, *flat)
            self._done(stage, at, len(members))

    def flush(self) -> None:
        if self._pipe is not None:
            self._pipe.execute()
            self._pipe = self.client.pipeline(transaction=False)
        self._queued = 0


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
SELECT {owner if owner else 'NULL'} AS owner, k, array_agg(pid) AS pids, array_agg(u) AS u, array_agg(a) AS a FROM (
  SELECT {owner + ', ' if owner else ''}{k} AS k, pid, sum(u)::bigint AS u, sum(a)::bigint AS a FROM {kind.table}
  WHERE pid IS NOT NULL {_where(start)} GROUP BY {sets}) g
GROUP BY 1, 2"""
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        scope = keys.PLATFORM if row.owner is None else keys.scope_of(kind.owners[0], row.owner)
        bucket, at = _bucket(period, row.k, tz)
        for by, scores in (("amount", row.a), ("units", row.u)):
            staged.zset(scope, keys.product_rank(scope, kind.name, by, bucket), at, row.pids, scores)


def stage_totals(conn, staged: Staged, kind: Kind, period: str, start: date | None, tz) -> None:
    k, g = _key(period)
    sql = f"""
SELECT s, d, {k} AS k, sum(u)::bigint AS u, sum(a)::bigint AS a, sum(o)::bigint AS o FROM {kind.table}
WHERE pid IS NULL {_where(start)} GROUP BY GROUPING SETS (({g}s), ({g}d), ({g.rstrip(', ')}))"""
    ranking: dict[str, dict[int, tuple]] = {}
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        if row.s is not None:
            scope = keys.scope_of(kind.owners[0], row.s)
        elif row.d is not None:
            scope = keys.scope_of(kind.owners[1], row.d)
        else:
            scope = keys.PLATFORM
        bucket, at = _bucket(period, row.k, tz)
        staged.hash(scope, keys.totals(scope, kind.name, bucket), at,
                    {"amount": row.a, "units": row.u, "orders": row.o})
        if row.s is not None:
            ranking.setdefault(row.k, {})[row.s] = (row.a, row.u, row.o)
    rank_key, figures_key = ((keys.station_rank, keys.station_figures) if kind.name == "wholesale"
                             else (keys.driver_rank, keys.driver_figures))
    for pkey, owners in ranking.items():
        bucket, at = _bucket(period, pkey, tz)
        ids = list(owners)
        staged.zset(keys.PLATFORM, rank_key(bucket), at, ids, [owners[i][0] for i in ids])
        figures = {}
        for i in ids:
            figures[f"{i}:u"], figures[f"{i}:o"] = owners[i][1], owners[i][2]
        staged.hash(keys.PLATFORM, figures_key(bucket), at, figures)


def stage_ads(conn, staged: Staged, period: str, start: date | None, tz) -> None:
    k, g = _key(period)
    sql = f"""
SELECT k, array_agg(ad_id) AS ads, array_agg(plays) AS plays FROM (
  SELECT {k} AS k, ad_id, sum(plays)::bigint AS plays FROM rb_ads WHERE true {_where(start)} GROUP BY {g}ad_id) g
GROUP BY k"""
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        bucket, at = _bucket(period, row.k, tz)
        staged.zset(keys.PLATFORM, keys.ad_plays(bucket), at, row.ads, row.plays)


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
