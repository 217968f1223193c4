"""Monthly range partitions of the event tables (the notes' "sharded tables")."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from store.models import PARTITIONED


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_{month:%Y%m}"


def ensure_partitions(conn: Connection, first: date, last: date, tables=None) -> list[str]:
    """Create the monthly partitions covering ``first``..``last`` (inclusive) if missing.

    Bounds are UTC month starts; a partition only shards storage, and business
    periods are computed in the business time zone by the queries themselves.
    Rows of a new month already kept in the default partition move into it.
    """
    created = []
    month = month_start(first)
    while month <= last:
        following = add_months(month, 1)
        for table in tables or PARTITIONED:
            name = partition_name(table, month)
            exists = conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar()
            if exists is None:
                _create(conn, table, name, month, following)
                created.append(name)
        month = following
    return created


def _create(conn: Connection, table: str, name: str, month: date, following: date) -> None:
    bounds = f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{following.isoformat()} 00:00:00+00')"
    default, column = f"{table}_default", PARTITIONED[table]
    in_range = f"{column} >= '{month.isoformat()} 00:00:00+00' AND {column} < '{following.isoformat()} 00:00:00+00'"
    has_default = conn.execute(text("SELECT to_regclass(:n)"), {"n": default}).scalar() is not None
    waiting = has_default and conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})")).scalar()
    if not waiting:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} {bounds}"))
        return
    # Postgres refuses a month whose rows sit in the default partition (the scheduler was off for
    # months, or history was loaded before its months existed), and then every later migrate
    # would fail. In the caller's transaction: take the default out, create the month, move the
    # rows through the parent into it, and put the default back.
    columns = ", ".join(conn.execute(text(
        "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"), {"t": table}).scalars())
    conn.execute(text(f"ALTER TABLE {table} DETACH PARTITION {default}"))
    conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table} {bounds}"))
    conn.execute(text(f"WITH moved AS (DELETE FROM {default} WHERE {in_range} RETURNING {columns}) "
                      f"INSERT INTO {table} ({columns}) SELECT {columns} FROM moved"))
    conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {default} DEFAULT"))


def ensure_default_partitions(conn: Connection) -> None:
    """A catch-all per table, so that an event outside every month is still kept."""
    for table in PARTITIONED:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {table}_default PARTITION OF {table} DEFAULT"))


def list_partitions(conn: Connection, table: str) -> list[str]:
    rows = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t ORDER BY c.relname"), {"t": table})
    return [row[0] for row in rows]


def drop_partitions_before(conn: Connection, table: str, before: date) -> list[str]:
    """Drop whole monthly partitions that end on or before ``before`` (retention)."""
    dropped = []
    for name in list_partitions(conn, table):
        suffix = name.rsplit("_", 1)[-1]
        if not suffix.isdigit():
            continue
        month = date(int(suffix[:4]), int(suffix[4:]), 1)
        if add_months(month, 1) <= before:
            conn.execute(text(f"DROP TABLE {name}"))
            dropped.append(name)
    return dropped
