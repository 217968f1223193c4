"""Migrations: from empty to head, down to base and up again, partitions made."""
import secrets

import psycopg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.migrate import current_revision, downgrade, upgrade
from store.models import PARTITIONED, Base


@pytest.fixture
def empty_engine(database_url):
    base = make_url(database_url)
    name = f"bf_mig_{secrets.token_hex(4)}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False), pool_size=1)
    yield engine
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_empty_builds_every_table(empty_engine):
    from datetime import date

    upgrade(empty_engine, today=date(2026, 11, 28))
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with empty_engine.connect() as conn:
        for table in PARTITIONED:
            for month in ("202610", "202611", "202612", "202701"):
                assert conn.execute(text("SELECT to_regclass(:n)"), {"n": f"{table}_{month}"}).scalar(), (table, month)


def test_downgrade_and_upgrade_round_trip(empty_engine):
    upgrade(empty_engine)
    head = current_revision(empty_engine)
    downgrade(empty_engine, "base")
    assert current_revision(empty_engine) is None
    assert "stations" not in inspect(empty_engine).get_table_names()
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head


def test_two_instances_migrating_at_once(empty_engine):
    import threading

    errors = []

    def run():
        try:
            upgrade(empty_engine)
        except Exception as exc:  # pragma: no cover - the assertion shows it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert current_revision(empty_engine) is not None


def test_money_columns_are_bigint(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE column_name LIKE '%cents' AND table_schema = 'public'")).all()
    assert rows and {r.data_type for r in rows} == {"bigint"}


def test_0003_fills_the_units_of_existing_orders_from_their_lines(empty_engine):
    upgrade(empty_engine, "0002")
    with empty_engine.begin() as conn:  # the month has no partition yet: the rows wait in the default one
        conn.execute(text(
            "INSERT INTO orders (id, created_at, request_id, station_id, driver_id, status, total_cents, payment_method) "
            "VALUES ('ord_a', now(), 'rq_a', 1, 1, 'picked_up', 700, 'cash'), "
            "       ('ord_b', now(), 'rq_b', 1, 1, 'cancelled', 300, 'cash')"))
        conn.execute(text(
            "INSERT INTO order_lines (order_id, created_at, product_id, station_id, driver_id, quantity, "
            "unit_price_cents, amount_cents) SELECT o.id, o.created_at, p, 1, 1, q, 100, q * 100 FROM orders o, "
            "(VALUES ('ord_a', 1, 3), ('ord_a', 2, 4), ('ord_b', 1, 3)) AS v(id, p, q) WHERE o.id = v.id"))
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert dict(conn.execute(text("SELECT id, units FROM orders ORDER BY id")).all()) == {"ord_a": 7, "ord_b": 3}


def test_months_made_after_their_rows_arrived_take_them_from_the_default_partition(empty_engine):
    """The scheduler was off for months: events of months without a table were kept in the default
    partition. Making those months (migrate does, the nightly job does) moves them in, losing none."""
    from datetime import date

    from store.partitions import ensure_partitions

    upgrade(empty_engine)
    purchase = ("INSERT INTO purchases (id, occurred_at, device_id, driver_id, total_cents, payment_method) "
                "VALUES (:id, :at, 1, 1, :cents, 'cash')")
    with empty_engine.begin() as conn:
        for n, at in enumerate(["2031-03-01T00:00:00Z", "2031-03-31T23:59:59Z", "2031-04-02T08:00:00Z",
                                "2031-02-28T23:59:59Z"]):
            conn.execute(text(purchase), {"id": f"pur_{n}", "at": at, "cents": 100 + n})
    with empty_engine.begin() as conn:
        assert ensure_partitions(conn, date(2031, 3, 1), date(2031, 3, 1)) == [
            f"{table}_203103" for table in ("orders", "order_lines", "purchases", "purchase_lines", "gps_points",
                                            "ad_plays")]
    with empty_engine.connect() as conn:
        where = dict(conn.execute(text("SELECT id, tableoid::regclass::text FROM purchases")).all())
        total = conn.execute(text("SELECT sum(total_cents) FROM purchases")).scalar()
    assert where == {"pur_0": "purchases_203103", "pur_1": "purchases_203103", "pur_2": "purchases_default",
                     "pur_3": "purchases_default"}
    assert total == 100 + 101 + 102 + 103
    upgrade(empty_engine)  # and a later migrate still runs


def test_head_has_exactly_the_indexes_the_models_declare(empty_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # (the monthly partitions' own copies of the indexes are not in the models)
    index_diffs = [(d[0], d[1].name) for d in diffs if isinstance(d, tuple) and d[0] in ("add_index", "remove_index")
                   and d[1].table.name in Base.metadata.tables]
    assert index_diffs == []
    with empty_engine.connect() as conn:  # 0004: no index that nothing reads on the purchase write path
        ledger = {i["name"] for i in inspect(conn).get_indexes("ledger_entries")}
        purchases = {i["name"] for i in inspect(conn).get_indexes("purchases")}
    assert "ix_ledger_account" in ledger and "ix_ledger_entries_txn_id" not in ledger
    assert "ix_purchases_device_occurred" in purchases and "ix_purchases_id" not in purchases
