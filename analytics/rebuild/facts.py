"""The rebuild's aggregates: every counted figure from Postgres, written to staging keys.

Day-level facts first: tables made by CREATE TABLE AS, each a plain
GROUP BY that Postgres runs in parallel workers (GROUPING SETS and
INSERT ... SELECT never are), read through one view per kind, and rolled up
to months for the coarser periods. Products are summed from the lines, and
the lines of cancelled orders (few) subtracted from the groups afterwards,
which spares an anti-join per line; a group left at zero stays, as a live
cancel leaves it. Stations and drivers are summed from the orders, which
carry their units and totals.
Each period is then one GROUP BY over the facts; a sorted set arrives as one
``string_agg`` JSON array ("[score, member, ...]") that ``lua/fill.lua``
decodes, so Python handles keys, never members.

The facts are computed in the rebuild's snapshot, one lane after the other
(each with every core: parallel workers), into UNLOGGED tables of a schema per
lane and rebuild (``rebuild_<generation>_<lane>``), committed so that each
lane's staging can start on a connection of its own while the next lane's
facts are computed: retail and ads, then products and stations, then the
drivers' wholesale figures. What only reads those tables runs after their commit (rows written
after the snapshot are invisible in it). The schemas are dropped at the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial

from sqlalchemy import text

from analytics import keys, periods

# In the session's zone: build_facts sets it to the business zone first.
DAY_W = periods.sql_day("l.created_at", None)
DAY_R = periods.sql_day("l.occurred_at", None)
COLUMNS = "s, d, pid, day, u, a, o"
STREAM = {"stream_results": True, "max_row_buffer": 20_000}  # a server-side cursor: flat memory
# Parallel workers for the first lane's facts, computed while the cores have little else to do;
# the next lanes' facts share them with the staging of the first, where workers only add overhead.
PARALLEL = ["SET LOCAL parallel_setup_cost = 0", "SET LOCAL parallel_tuple_cost = 0",
            "SET LOCAL work_mem = '256MB'"]
SERIAL = ["SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL work_mem = '256MB'"]
SOURCE_LINES = "SELECT (SELECT count(*) FROM order_lines) + (SELECT count(*) FROM purchase_lines)"


def _sums(source: str, s: str, d: str, pid: str, day: str, units: str = "sum(l.quantity)", sign: str = "") -> str:
    group = ", ".join(x for x in (s, d, pid, day) if x != "NULL")
    return (f"SELECT CAST({s} AS int) AS s, CAST({d} AS int) AS d, CAST({pid} AS int) AS pid, {day} AS day, "
            f"{units}::bigint AS u, {sign}sum(l.amount_cents)::bigint AS a, 0::bigint AS o "
            f"FROM {source} GROUP BY {group}")


def _counts(head: str, s: str, d: str, day: str) -> str:
    group = ", ".join(x for x in (s, d, day) if x != "NULL")
    return (f"SELECT CAST({s} AS int) AS s, CAST({d} AS int) AS d, CAST(NULL AS int) AS pid, {day} AS day, "
            f"0::bigint AS u, 0::bigint AS a, count(*)::bigint AS o FROM {head} l GROUP BY {group}")


def _order_days(s: str, d: str) -> str:
    """A station's or driver's days from the orders, which carry their units and total: a third
    of the rows of the lines. A cancelled order still makes its group (left at zero, as live)."""
    group = ", ".join(x for x in (s, d, DAY_W) if x != "NULL")
    live = "FILTER (WHERE l.status <> 'cancelled')"
    return (f"SELECT CAST({s} AS int) AS s, CAST({d} AS int) AS d, CAST(NULL AS int) AS pid, {DAY_W} AS day, "
            f"coalesce(sum(l.units) {live}, 0)::bigint AS u, coalesce(sum(l.total_cents) {live}, 0)::bigint AS a, "
            f"count(*) {live} AS o FROM orders l GROUP BY {group}")


def _table(name: str, sql: str) -> tuple[str, str]:
    return name, f"CREATE UNLOGGED TABLE {name} AS {sql}"


def _minus_cancels(table: str, cols: tuple[str, ...]) -> tuple[str, str]:
    """Subtract the lines of cancelled orders (``rb_c``) from the groups of ``table`` (after the snapshot)."""
    match = " AND ".join(f"t.{c} = x.{c}" for c in (*cols, "day"))
    return f"{table}:cancels", f"""
UPDATE {table} t SET u = t.u - x.u, a = t.a - x.a
FROM (SELECT {', '.join(cols)}, day, sum(u) AS u, sum(a) AS a FROM rb_c GROUP BY {', '.join(cols)}, day) x
WHERE {match}"""


def _view(view: str, tables: list[str]) -> list[tuple[str, str]]:
    """The view over the parts, and its months (``{view}_m``: a month's rows at its first day,
    which every coarser period reads instead of the days)."""
    union = " UNION ALL ".join(f"SELECT {COLUMNS} FROM {t}" for t in tables)
    months = (f"SELECT s, d, pid, CAST(date_trunc('month', day) AS date) AS day, sum(u)::bigint AS u, "
              f"sum(a)::bigint AS a, sum(o)::bigint AS o FROM {view} GROUP BY 1, 2, 3, 4")
    return [(view, f"CREATE VIEW {view} AS {union}"), _table(f"{view}_m", months)]


# The lines of cancelled orders (few), looked up by the index from each such order: OFFSET 0 keeps
# the planner from turning it into a join that scans every line.
_CANCELLED_LINES = f"""
SELECT l.station_id AS s, l.driver_id AS d, l.product_id AS pid, {DAY_W} AS day,
       l.quantity::bigint AS u, l.amount_cents::bigint AS a
FROM orders c CROSS JOIN LATERAL (SELECT * FROM order_lines x WHERE x.order_id = c.id
                                  AND x.created_at = c.created_at OFFSET 0) l
WHERE c.status = 'cancelled'"""


def _source(table: str, period: str) -> str:
    """Days for days and weeks; months for months, years and all time."""
    return table if period in ("day", "week") else f"{table}_m"


_CANCELLED = _table("rb_c", _CANCELLED_LINES)
# Each lane's facts: (steps in the snapshot, steps after it on the committed tables).
PRODUCT_DAYS_FACTS = ([_CANCELLED, _table("rb_w_p", _sums("order_lines l", "l.station_id", "NULL", "l.product_id",
                                                          DAY_W))],
                      [_minus_cancels("rb_w_p", ("s", "pid"))])
STATIONS_FACTS = ([_table("rb_w_s", _order_days("l.station_id", "NULL"))],
                  [*_view("rb_w", ["rb_w_p", "rb_w_s"])])
DRIVERS_FACTS = ([_table("rb_w_d", _order_days("NULL", "l.driver_id"))],
                 [*_view("rb_w", ["rb_w_d"])])
RETAIL_FACTS = ([_table("rb_r_p", _sums("purchase_lines l", "NULL", "NULL", "l.product_id", DAY_R)),
                 _table("rb_r_s", _sums("purchase_lines l", "l.driver_id", "NULL", "NULL", DAY_R)),
                 _table("rb_r_d", _sums("purchase_lines l", "NULL", "l.device_id", "NULL", DAY_R)),
                 _table("rb_r_os", _counts("purchases", "l.driver_id", "NULL", DAY_R)),
                 _table("rb_r_od", _counts("purchases", "NULL", "l.device_id", DAY_R)),
                 # refunds: negative amounts in their purchases' days (units and orders stay)
                 *(_table(f"rb_r_x{n}", _sums("refund_lines l", *cols, DAY_R, units="0", sign="-")) for n, cols in (
                     ("p", ("NULL", "NULL", "l.product_id")), ("s", ("l.driver_id", "NULL", "NULL")),
                     ("d", ("NULL", "l.device_id", "NULL")))),
                 _table("rb_ads", f"SELECT ad_id, {periods.sql_day('played_at', None)} AS day, "
                                  "count(*)::bigint AS plays FROM ad_plays GROUP BY 1, 2")],
                [*_view("rb_r", ["rb_r_p", "rb_r_s", "rb_r_d", "rb_r_os", "rb_r_od", "rb_r_xp", "rb_r_xs",
                                 "rb_r_xd"])])


@dataclass(frozen=True)
class Kind:
    """How a kind's facts map to scopes: ``s``/``d`` columns are these owners."""
    name: str
    table: str
    owners: tuple[str, str]  # scope kinds of columns s and d
    product_owner: str | None  # the owner column that also has product rankings ("s" for stations)


WHOLESALE = Kind("wholesale", "rb_w", ("station", "driver"), "s")  # stations ranked on the platform
RETAIL = Kind("retail", "rb_r", ("driver", "device"), None)  # drivers ranked on the platform


def periods_to_build(since: date | None) -> list[tuple[str, date | None]]:
    """(period, first day of the facts to read) for each period rebuilt."""
    return [(p, None if since is None or p == "total" else periods.period_start(p, since)) for p in periods.PERIODS]


def build_facts(conn, facts, tz_name: str, parallel: bool = True) -> None:
    conn.execute(text(periods.SESSION_ZONE), {"tz": tz_name})  # the facts' days (parallel workers inherit it)
    for statement in PARALLEL if parallel else SERIAL:
        conn.exec_driver_sql(statement)
    for name, sql in facts:
        conn.execute(text(sql), {"tz": tz_name})
        if sql.lstrip().startswith(("CREATE UNLOGGED TABLE", "UPDATE")):
            conn.execute(text(f"ANALYZE {name.split(':')[0]}"))


def _key(period: str) -> tuple[str, str]:
    """The period key's expression, and the GROUP BY prefix for it (none for the constant 'total')."""
    k = periods.sql_key(period, "day")
    return k, "" if period == "total" else f"{k}, "


def _where(start: date | None) -> str:
    return "" if start is None else "AND day >= :start"


@lru_cache(maxsize=None)
def _bucket(period: str, pkey: str, tz) -> tuple[str, int | None]:
    if period == "total":
        return "total", None
    return f"{period}:{pkey}", periods.expire_at(period, pkey, tz)


def stage_products(conn, staged, kind: Kind, period: str, start: date | None, tz, table: str | None = None) -> None:
    """Product rankings; ``table``: read these facts instead of the kind's (for days and weeks)."""
    k, g = _key(period)
    table = table or _source(kind.table, period)
    owner = kind.product_owner
    levels = [(None, f"{g}pid")]
    if owner:
        levels.append((owner, f"{owner}, {g}pid"))
    for level, group in levels:
        # as live: a product whose amount was all refunded leaves the amount ranking, not the units one
        if level and period == "day":  # the facts are these groups already
            inner = (f"SELECT {level}, {k} AS k, pid, u, a FROM {table} WHERE pid IS NOT NULL AND (a <> 0 OR u <> 0) "
                     f"{_where(start)}")
        else:
            inner = (f"SELECT {level + ', ' if level else ''}{k} AS k, pid, sum(u)::bigint AS u, sum(a)::bigint AS a "
                     f"FROM {table} WHERE pid IS NOT NULL {_where(start)} GROUP BY {group} "
                     "HAVING sum(a) <> 0 OR sum(u) <> 0")
        sql = f"""
SELECT {level or 'NULL'} AS owner, k,
       '[' || coalesce(string_agg(a || ',' || pid, ',') FILTER (WHERE a <> 0), '') || ']' AS by_amount,
       '[' || coalesce(string_agg(u || ',' || pid, ',') FILTER (WHERE u <> 0), '') || ']' AS by_units
FROM ({inner}) g GROUP BY 1, 2"""
        for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
            scope = keys.PLATFORM if row.owner is None else keys.scope_of(kind.owners[0], row.owner)
            bucket, at = _bucket(period, row.k, tz)
            staged.stage(scope, keys.product_rank(scope, kind.name, "amount", bucket), "Z", at, row.by_amount)
            staged.stage(scope, keys.product_rank(scope, kind.name, "units", bucket), "Z", at, row.by_units)


def stage_totals(conn, staged, kind: Kind, owner: int, period: str, start: date | None, tz) -> None:
    """Totals hashes of one owner column's scopes; for the first owner also the platform's totals
    and the platform ranking of those owners (stations, drivers)."""
    k, g = _key(period)
    sums = f"{k} AS k, sum(u)::bigint AS u, sum(a)::bigint AS a, sum(o)::bigint AS o FROM {_source(kind.table, period)}"
    column = "sd"[owner]
    sets = f"GROUPING SETS (({g}s), ({g.rstrip(', ')}))" if owner == 0 else f"{g}d"
    sql = f"SELECT {column} AS owner, {sums} WHERE pid IS NULL AND {column} IS NOT NULL {_where(start)} GROUP BY {sets}"
    ranking: dict[str, dict[int, tuple]] = {}
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        if row.o is None:  # the grand-total grouping set yields one row of NULLs when there are no sales
            continue
        scope = keys.PLATFORM if row.owner is None else keys.scope_of(kind.owners[owner], row.owner)
        bucket, at = _bucket(period, row.k, tz)
        staged.stage(scope, keys.totals(scope, kind.name, bucket), "H", at,
                     f'["amount",{row.a},"units",{row.u},"orders",{row.o}]')
        if row.owner is not None and owner == 0:
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


def stage_ads(conn, staged, period: str, start: date | None, tz) -> None:
    k, g = _key(period)
    sql = f"""
SELECT k, '[' || string_agg(plays || ',' || ad_id, ',') || ']' AS plays FROM (
  SELECT {k} AS k, ad_id, sum(plays)::bigint AS plays FROM rb_ads WHERE true {_where(start)} GROUP BY {g}ad_id) g
GROUP BY k"""
    for row in conn.execute(text(sql), {"start": start}, execution_options=STREAM):
        bucket, at = _bucket(period, row.k, tz)
        staged.stage(keys.PLATFORM, keys.ad_plays(bucket), "Z", at, row.plays)


@dataclass(frozen=True)
class Lane:
    chain: str  # lanes of a chain compute their facts one after the other, on one connection
    facts: tuple[list, list]  # (in the snapshot, after it)
    steps: list  # (stage function, its leading arguments, the periods it stages)
    parallel: bool  # parallel workers for its facts


ALL, DAYS, MONTHS = periods.PERIODS, ("day", "week"), ("month", "year", "total")
_DAY_PRODUCTS = partial(stage_products, table="rb_w_p")
# Two chains of facts run at once, each lane staged on a connection of its own as soon as its facts
# are committed: retail (small: Redis has work within seconds), then the products' days (whose many
# sorted-set members keep Redis busy longest), then the stations; beside them, the drivers.
LANES = {
    "retail": Lane("a", RETAIL_FACTS, [(stage_products, (RETAIL,), ALL), (stage_totals, (RETAIL, 0), ALL),
                                       (stage_totals, (RETAIL, 1), ALL), (stage_ads, (), ALL)], False),
    "days": Lane("a", PRODUCT_DAYS_FACTS, [(_DAY_PRODUCTS, (WHOLESALE,), DAYS)], True),
    "stations": Lane("a", STATIONS_FACTS, [(stage_products, (WHOLESALE,), MONTHS),
                                           (stage_totals, (WHOLESALE, 0), ALL)], False),
    "drivers": Lane("a", DRIVERS_FACTS, [(stage_totals, (WHOLESALE, 1), ALL)], False),
}
STEPS = sum(len(lane.facts[0]) + len(lane.facts[1]) + sum(len(p) for _, _, p in lane.steps)
            for lane in LANES.values())


def stage_lane(conn, lane: str, staged, since: date | None, tz, progress=None) -> None:
    """The staging of one lane from its facts; flushes ``staged`` at the end."""
    for period, start in periods_to_build(since):
        for step, args, chosen in LANES[lane].steps:
            if period in chosen:
                step(conn, staged, *args, period, start, tz)
                if progress is not None:
                    progress.update(1)
    staged.flush()


ACTIVE_DAYS = "SELECT day, '[' || string_agg(driver_id::text, ',') || ']' AS ids FROM driver_activity GROUP BY day"
CHECKINS = ("SELECT driver_id, CAST(extract(year FROM day) AS int) AS year, "
            "'[' || string_agg(CAST(extract(doy FROM day) - 1 AS int)::text, ',') || ']' AS days "
            "FROM driver_activity GROUP BY 1, 2")


def fill_bitmaps(conn, filler, tz) -> int:
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
