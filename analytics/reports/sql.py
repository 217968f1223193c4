"""The reports' SQL: aggregates per group (sales.csv) and one row per line (orders.csv).

Every fragment is a constant of this module; values travel as parameters.
Names are joined after aggregating (the catalogue tables are small, the line
tables are not), and time filters are on the partition keys so that
Postgres scans only the months asked for.
"""
from __future__ import annotations

from analytics.reports.spec import GROUP_COLUMNS, ReportSpec

# What a report reads, per kind: the line table, its time column, its order id.
SOURCES = {
    "wholesale": {"lines": "order_lines", "time": "created_at", "order": "order_id",
                  "join": "JOIN orders o ON o.id = l.order_id AND o.created_at = l.created_at"},
    "retail": {"lines": "purchase_lines", "time": "occurred_at", "order": "purchase_id", "join": ""},
}

# A name that Excel would run as a formula is prefixed with a quote (OWASP "CSV injection").
def _safe(expr: str) -> str:
    return f"CASE WHEN left({expr}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {expr} ELSE {expr} END"


# group → (expression over the lines ``l`` for the inner GROUP BY, its alias)
GROUP_KEYS = {
    "day": ("(l.{time} AT TIME ZONE %(tz)s)::date", "day"),
    "station": ("l.station_id", "station_id"),
    "product": ("l.product_id", "product_id"),
    "driver": ("l.driver_id", "driver_id"),
    "device": ("l.device_id", "device_id"),
}
# output column → expression over the aggregate ``a`` and the joined names
OUTPUT = {
    "day": "a.day", "station_id": "a.station_id", "station_name": _safe("s.name") + " AS station_name",
    "product_id": "a.product_id", "sku": "p.sku", "product_name": _safe("p.name") + " AS product_name",
    "driver_id": "a.driver_id", "driver_name": _safe("d.name") + " AS driver_name", "device_id": "a.device_id",
}
NAME_JOINS = {
    "station": "LEFT JOIN stations s ON s.id = a.station_id",
    "product": "LEFT JOIN products p ON p.id = a.product_id",
    "driver": "LEFT JOIN drivers d ON d.id = a.driver_id",
}


def _filters(spec: ReportSpec, source: dict) -> str:
    where = [f"l.{source['time']} >= %(start)s", f"l.{source['time']} < %(end)s"]
    if spec.kind == "wholesale":
        where.append("o.status = %(status)s" if spec.status else "o.status <> 'cancelled'")
    if spec.station_id is not None:
        where.append("l.station_id = %(station_id)s")
    return " AND ".join(where)


def params(spec: ReportSpec, tz) -> dict:
    start, end = spec.bounds(tz)
    return {"tz": tz.key, "start": start, "end": end, "station_id": spec.station_id, "status": spec.status}


def sales_sql(spec: ReportSpec) -> tuple[str, list[str]]:
    """(SELECT, header) of sales.csv: the chosen groups, then units, orders, amount_cents, amount."""
    source = SOURCES[spec.kind]
    keys = [(GROUP_KEYS[g][0].format(time=source["time"]), GROUP_KEYS[g][1]) for g in spec.groups]
    inner_select = ", ".join([f"{expr} AS {alias}" for expr, alias in keys]
                             + ["sum(l.quantity) AS units", f"count(DISTINCT l.{source['order']}) AS orders",
                                "sum(l.amount_cents) AS amount_cents"])
    group_by = ("GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))) if keys else ""
    inner = (f"SELECT {inner_select} FROM {source['lines']} l {source['join']} "
             f"WHERE {_filters(spec, source)} {group_by}")
    header = [c for g in spec.groups for c in GROUP_COLUMNS[g]]
    columns = [OUTPUT[c] for c in header] + [
        "coalesce(a.units, 0) AS units", "a.orders", "coalesce(a.amount_cents, 0) AS amount_cents",
        "round(coalesce(a.amount_cents, 0)::numeric / 100, 2) AS amount"]  # yuan, exact, two decimals
    joins = " ".join(NAME_JOINS[g] for g in spec.groups if g in NAME_JOINS)
    order = ("ORDER BY " + ", ".join(f"a.{alias}" for _, alias in keys)) if keys else ""
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) a {joins} {order}"
    return sql, header + ["units", "orders", "amount_cents", "amount"]


LINE_COLUMNS = {
    "wholesale": [
        ("order_id", "l.order_id"), ("created_at", "to_char(l.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"),
        ("day", "(l.created_at AT TIME ZONE %(tz)s)::date"), ("status", "o.status"),
        ("station_id", "l.station_id"), ("station_name", _safe("s.name")),
        ("driver_id", "l.driver_id"), ("driver_name", _safe("d.name")), ("device_id", "o.device_id"),
        ("product_id", "l.product_id"), ("sku", "p.sku"), ("product_name", _safe("p.name")),
        ("quantity", "l.quantity"), ("unit_price_cents", "l.unit_price_cents"), ("amount_cents", "l.amount_cents"),
        ("amount", "round(l.amount_cents::numeric / 100, 2)"),
    ],
    "retail": [
        ("purchase_id", "l.purchase_id"), ("occurred_at", "to_char(l.occurred_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"),
        ("day", "(l.occurred_at AT TIME ZONE %(tz)s)::date"),
        ("device_id", "l.device_id"), ("driver_id", "l.driver_id"), ("driver_name", _safe("d.name")),
        ("product_id", "l.product_id"), ("sku", "p.sku"), ("product_name", _safe("p.name")),
        ("quantity", "l.quantity"), ("unit_price_cents", "l.unit_price_cents"), ("amount_cents", "l.amount_cents"),
        ("amount", "round(l.amount_cents::numeric / 100, 2)"),
    ],
}


def lines_sql(spec: ReportSpec) -> tuple[str, list[str]]:
    """(SELECT, header) of orders.csv: one row per line, oldest first, every status unless one is asked for."""
    source = SOURCES[spec.kind]
    columns = LINE_COLUMNS[spec.kind]
    where = [f"l.{source['time']} >= %(start)s", f"l.{source['time']} < %(end)s"]
    if spec.status:
        where.append("o.status = %(status)s")
    if spec.station_id is not None:
        where.append("l.station_id = %(station_id)s")
    joins = [source["join"], "LEFT JOIN drivers d ON d.id = l.driver_id",
             "LEFT JOIN products p ON p.id = l.product_id"]
    if spec.kind == "wholesale":
        joins.append("LEFT JOIN stations s ON s.id = l.station_id")
    select = ", ".join(f"{expr} AS {name}" for name, expr in columns)
    sql = (f"SELECT {select} FROM {source['lines']} l {' '.join(joins)} WHERE {' AND '.join(where)} "
           f"ORDER BY l.{source['time']}, l.{source['order']}, l.product_id")
    return sql, [name for name, _ in columns]
