"""Postgres as it grows: a few months of orders, purchases, ledger legs, outbox events and
idempotency records, ANALYZEd, and the plans of the SQL the app runs on its hot paths.

The statements are captured from the real functions (ingest, analytics) as they run, then
EXPLAINed with the same parameters: an index every time, never a sequential scan of a
partition that holds rows, and only the partitions a time range needs. Figures are printed
(``pytest -s``) for the README's "Postgres at scale".
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from store import Store
from store.migrate import upgrade
from store.partitions import add_months, ensure_partitions, list_partitions, month_start

PURCHASES, ORDERS, DRIVERS, STATIONS, PRINCIPALS = 60_000, 30_000, 200, 20, 200
INDEXED = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@pytest.fixture(scope="module")
def big(settings, database_url):
    """A database of its own (partitions made here must not leak into other tests), loaded once."""
    base = make_url(database_url)
    name = f"bf_scale_{secrets.token_hex(3)}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    store = Store.from_settings(settings.model_copy(update={
        "database_url": base.set(database=name).render_as_string(hide_password=False)}))
    try:
        upgrade(store.engine)
        first = add_months(month_start(datetime.now(timezone.utc).date()), -3)
        with store.engine.begin() as conn:
            ensure_partitions(conn, first, add_months(first, 4))
            _load(conn, datetime(first.year, first.month, 1, tzinfo=timezone.utc))
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        yield store
    finally:
        store.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _load(conn, start: datetime) -> None:
    """Four months of traffic, spread evenly; the newest 1% of orders still await pickup."""
    span = 4 * 30 * 86400
    params = {"start": start, "p_step": span / PURCHASES, "o_step": span / ORDERS, "drivers": DRIVERS,
              "stations": STATIONS, "purchases": PURCHASES, "orders": ORDERS, "principals": PRINCIPALS}
    for sql in (
        "INSERT INTO stations (id, name, address, lat, lng) "
        "SELECT g, 'Station ' || g, g || ' Road', 31.2, 121.4 FROM generate_series(1, :stations) g",
        "INSERT INTO drivers (id, name, car_plate) SELECT g, 'Driver ' || g, 'A' || g "
        "FROM generate_series(1, :drivers) g",
        "INSERT INTO purchases (id, occurred_at, device_id, driver_id, total_cents, payment_method) "
        "SELECT 'pu' || lpad(g::text, 20, '0'), :start + g * :p_step * interval '1 second', "
        "g % :drivers + 1, g % :drivers + 1, 700, 'cash' FROM generate_series(1, :purchases) g",
        "INSERT INTO purchase_lines (purchase_id, occurred_at, product_id, device_id, driver_id, quantity, "
        "unit_price_cents, amount_cents) SELECT id, occurred_at, 1, device_id, driver_id, 2, 350, 700 FROM purchases",
        "INSERT INTO orders (id, created_at, request_id, station_id, driver_id, status, total_cents, units, "
        "payment_method) "
        "SELECT 'or' || lpad(g::text, 20, '0'), :start + g * :o_step * interval '1 second', 'rq' || g, "
        "g % :stations + 1, g % :drivers + 1, "
        "CASE WHEN g > :orders * 0.99 THEN 'awaiting_pickup' WHEN g % 10 = 0 THEN 'cancelled' ELSE 'picked_up' END, "
        "2100, 10, 'wechat' FROM generate_series(1, :orders) g",
        "INSERT INTO order_lines (order_id, created_at, product_id, station_id, driver_id, quantity, "
        "unit_price_cents, amount_cents) SELECT id, created_at, 1, station_id, driver_id, 10, 210, 2100 FROM orders",
        "INSERT INTO ledger_entries (txn_id, account, amount_cents, kind, ref_id, created_at) "
        "SELECT 'tx' || id, acct, amt, 'purchase', id, occurred_at FROM purchases, "
        "LATERAL (VALUES ('driver:' || driver_id, 700), ('passengers', -700)) AS legs(acct, amt)",
        "INSERT INTO outbox (kind, payload, created_at, applied_at) "
        "SELECT 'purchase', jsonb_build_object('purchase_id', id), occurred_at, "
        "CASE WHEN row_number() OVER (ORDER BY occurred_at DESC) > 50 THEN occurred_at END FROM purchases",
        "INSERT INTO idempotency_keys (principal, key, request_hash, response_status, response_body, created_at) "
        "SELECT 'device:' || (g % :principals + 1), 'key-' || g, md5(g::text), 201, '{}', "
        "now() - (g % 7) * interval '1 day' FROM generate_series(1, :purchases) g",
    ):
        conn.execute(text(sql), params)


@contextmanager
def captured(engine):
    """The statements (and parameters) the engine sends while the block runs."""
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def explain(store, statement: str, parameters, table: str) -> dict:
    """Scans of ``table`` (or its partitions) in the plan; fails on a full sequential scan."""
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()[0]["Plan"]
        parts = list_partitions(conn, table) or [table]
        filled = {p for p in parts if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {p})")).scalar()}
        # A partition's index is named after the partition; report the partitioned index it belongs to.
        parent_index = dict(conn.execute(text(
            "SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE c.relkind = 'i'")).all())
    scans = [n for n in _nodes(plan) if n.get("Relation Name") in parts]
    assert scans, f"{table} not read by: {statement}"
    seq = [n["Relation Name"] for n in scans if n["Node Type"] == "Seq Scan" and n["Relation Name"] in filled]
    assert not seq, f"sequential scan of {seq} in: {statement}"
    assert {n["Node Type"] for n in scans} & INDEXED, statement
    removed = sum(n.get("Subplans Removed", 0) for n in _nodes(plan))
    read = {n["Relation Name"] for n in scans}
    indexes = sorted({parent_index.get(n["Index Name"], n["Index Name"]) for n in _nodes(plan) if n.get("Index Name")})
    print(f"\n{table}: {len(read & filled)} of {len(filled)} filled partitions read; indexes {indexes}")
    return {"read": read, "filled": filled, "parts": parts, "removed": removed, "indexes": indexes}


def _run_and_capture(store, call, needle: str) -> list[tuple[str, object]]:
    with captured(store.engine) as seen:
        call()
    found = [(s, p) for s, p in seen if needle in s]
    assert found, f"no statement with {needle!r} ran"
    return found


def test_order_by_id_reads_one_index_probe_per_partition(big):
    """``GET /orders/{id}``, pickup, cancel: the id does not carry its month, so every partition's
    id index is probed once (no pruning; cheap while the months stay few, see README)."""
    from ingest.orders import load

    order_id = "or" + str(ORDERS // 2).rjust(20, "0")
    with big.sessions() as session:
        statements = _run_and_capture(big, lambda: load(session, order_id), "FROM orders")
    plan = explain(big, *statements[0], "orders")
    assert plan["indexes"] == ["ix_orders_id"] and plan["read"] == set(plan["parts"])  # every month probed


def test_order_status_change_with_its_time_touches_one_partition(big):
    """Once the order is loaded, its status update names ``created_at`` as well: one partition."""
    from ingest.replenishments import _SET_STATUS

    with big.engine.connect() as conn:
        row = conn.execute(text("SELECT id, created_at FROM orders WHERE status = 'awaiting_pickup' LIMIT 1")).one()
    compiled = _SET_STATUS.compile(big.engine)
    params = compiled.construct_params({"status": "picked_up", "picked": None, "cancelled": None, "reason": None,
                                        "device": None, "id": row.id, "created": row.created_at})
    plan = explain(big, str(compiled), params, "orders")
    assert len(plan["read"]) == 1


def test_orders_awaiting_pickup_at_a_station_use_the_partial_index(big):
    from analytics.queries.desk import pickup_queue

    statements = _run_and_capture(big, lambda: pickup_queue(big, 3), "awaiting_pickup")
    plan = explain(big, *statements[0], "orders")
    assert "ix_orders_awaiting" in plan["indexes"]


def test_purchases_of_a_device_in_a_time_range_prune_to_its_months(big):
    from ingest.orders import OrderFilter, page

    now = datetime.now(timezone.utc)
    since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=40)
    flt = OrderFilter(kind="retail", device_id=7, since=since, until=since + timedelta(days=20))
    with big.sessions() as session:
        statements = _run_and_capture(big, lambda: page(session, flt, 1, 30, big.settings.tz), "FROM purchases")
    for statement in statements:
        plan = explain(big, *statement, "purchases")
        assert len(plan["read"] & plan["filled"]) <= 2 < len(plan["filled"])
        assert "ix_purchases_device_occurred" in plan["indexes"]


def test_the_outbox_replay_finds_pending_events_by_the_partial_index(big):
    from store.outbox import _CLAIM

    compiled = _CLAIM.compile(big.engine)
    plan = explain(big, str(compiled), compiled.construct_params({"max": 10, "batch": 500}), "outbox")
    assert "ix_outbox_pending" in plan["indexes"]


def test_an_idempotency_lookup_is_a_primary_key_probe(big):
    from ingest.idempotency import stored

    with big.sessions() as session:
        statements = _run_and_capture(big, lambda: stored(session, [("device:3", "key-2"), ("device:3", "key-202")]),
                                      "FROM idempotency_keys")
    plan = explain(big, *statements[0], "idempotency_keys")
    assert "pk_idempotency_keys" in plan["indexes"]


def test_a_balance_reads_only_its_account(big):
    from ingest.ledger import balance

    with big.sessions() as session:
        statements = _run_and_capture(big, lambda: balance(session, "driver", 7), "FROM ledger_entries")
    plan = explain(big, *statements[0], "ledger_entries")
    assert "ix_ledger_account" in plan["indexes"]
