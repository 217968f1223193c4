"""The same figures as the live queries, computed by SQL GROUP BY over Postgres: the ground truth."""
from __future__ import annotations

from sqlalchemy import text

from analytics import periods

WHOLESALE = {"lines": "order_lines", "head": "orders", "when": "created_at", "id": "order_id",
             "owners": {"station": "station_id", "driver": "driver_id"}}
RETAIL = {"lines": "purchase_lines", "head": "purchases", "when": "occurred_at", "id": "purchase_id",
          "owners": {"driver": "driver_id", "device": "device_id"}}


def _kind(kind):
    return WHOLESALE if kind == "wholesale" else RETAIL


def _period(period: str, column: str) -> str:
    return f"{periods.sql_key(period, periods.sql_day(column))} = :pkey"


def _live(kind: str, alias: str) -> str:
    """Cancelled orders count nowhere."""
    if kind == "retail":
        return "true"
    if alias == "h":
        return "h.status <> 'cancelled'"
    return ("NOT EXISTS (SELECT 1 FROM orders c WHERE c.status = 'cancelled' AND c.id = l.order_id "
            "AND c.created_at = l.created_at)")


def _lines(kind: str, where: list[str]) -> str:
    """The lines of the figures: (product_id, station_id|driver_id|device_id, amount_cents, quantity);
    a retail amount is what was kept: refund lines count as negative amounts in their purchase's periods."""
    k = _kind(kind)
    owners = ", ".join(f"l.{c}" for c in k["owners"].values())
    cond = " AND ".join(where)
    sql = f"SELECT l.product_id, {owners}, l.amount_cents, l.quantity FROM {k['lines']} l WHERE {cond}"
    if kind == "retail":
        sql += (f" UNION ALL SELECT l.product_id, {owners}, -l.amount_cents, 0 FROM refund_lines l "
                f"WHERE {cond}")
    return f"({sql})"


def totals(store, scope: str, kind: str, period: str, pkey: str) -> dict:
    k = _kind(kind)
    owner, _, owner_id = scope.partition(":")
    lines_where = [_live(kind, "l"), _period(period, f"l.{k['when']}")]
    head_where = [_live(kind, "h"), _period(period, f"h.{k['when']}")]
    params = {"pkey": pkey, "tz": store.settings.tz.key}
    if owner != "platform":
        lines_where.append(f"l.{k['owners'][owner]} = :owner")
        head_where.append(f"h.{k['owners'][owner]} = :owner")
        params["owner"] = int(owner_id)
    with store.engine.connect() as conn:
        amount, units = conn.execute(text(
            f"SELECT coalesce(sum(amount_cents), 0), coalesce(sum(quantity), 0) FROM {_lines(kind, lines_where)} l"),
            params).one()
        orders = conn.execute(text(f"SELECT count(*) FROM {k['head']} h WHERE {' AND '.join(head_where)}"),
                              params).scalar()
    return {"amount_cents": amount, "units": units, "orders": orders}


def product_ranking(store, kind: str, period: str, pkey: str, station_id=None, by="amount", limit=100) -> list:
    k = _kind(kind)
    where = [_live(kind, "l"), _period(period, f"l.{k['when']}")]
    params = {"pkey": pkey, "tz": store.settings.tz.key, "limit": limit}
    if station_id is not None:
        where.append("l.station_id = :station")
        params["station"] = station_id
    order = "a DESC" if by == "amount" else "u DESC"
    with store.engine.connect() as conn:  # a ranking lists what has a figure (a refunded product: units only)
        rows = conn.execute(text(
            f"SELECT product_id, sum(amount_cents) AS a, sum(quantity) AS u FROM {_lines(kind, where)} l "
            f"GROUP BY 1 HAVING sum({'amount_cents' if by == 'amount' else 'quantity'}) <> 0 "
            f"ORDER BY {order}, product_id LIMIT :limit"), params).all()
    return [(r.product_id, r.a, r.u) for r in rows]


def owner_ranking(store, kind: str, period: str, pkey: str, limit=100) -> list:
    """Stations by wholesale amount, or drivers by retail amount: (id, amount, units, orders)."""
    k = _kind(kind)
    column = "station_id" if kind == "wholesale" else "driver_id"
    params = {"pkey": pkey, "tz": store.settings.tz.key, "limit": limit}
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"""
SELECT x.o, x.a, x.u, y.n FROM
  (SELECT l.{column} AS o, sum(amount_cents) AS a, sum(quantity) AS u
   FROM {_lines(kind, [_live(kind, 'l'), _period(period, f"l.{k['when']}")])} l GROUP BY 1
   HAVING sum(amount_cents) <> 0) x
JOIN (SELECT h.{column} AS o, count(*) AS n FROM {k['head']} h
      WHERE {_live(kind, 'h')} AND {_period(period, f"h.{k['when']}")} GROUP BY 1) y ON x.o = y.o
ORDER BY x.a DESC, x.o LIMIT :limit"""), params).all()
    return [tuple(r) for r in rows]


def ad_plays(store, period: str, pkey: str, limit=100) -> list:
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            f"SELECT ad_id, count(*) FROM ad_plays WHERE {_period(period, 'played_at')} "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT :limit"), {"pkey": pkey, "tz": store.settings.tz.key,
                                                            "limit": limit}).all()
    return [tuple(r) for r in rows]


def daily(store, scope: str, kind: str, day) -> dict:
    return totals(store, scope, kind, "day", day.isoformat())


def scopes(store) -> list[tuple[str, str]]:
    """(scope, kind) pairs worth comparing: the platform and every owner of each kind."""
    with store.engine.connect() as conn:
        stations = conn.execute(text("SELECT id FROM stations ORDER BY id")).scalars().all()
        drivers = conn.execute(text("SELECT id FROM drivers ORDER BY id")).scalars().all()
        devices = conn.execute(text("SELECT id FROM devices ORDER BY id")).scalars().all()
    pairs = [("platform", "wholesale"), ("platform", "retail")]
    pairs += [(f"station:{i}", "wholesale") for i in stations]
    pairs += [(f"driver:{i}", kind) for i in drivers for kind in ("wholesale", "retail")]
    pairs += [(f"device:{i}", "retail") for i in devices]
    return pairs
