"""deploy/postgres/initdb/10-buyfree.sh, run as the postgres image runs it, against a real server:
it creates the app's role and database, and that role alone can migrate and run the app."""
import os
import secrets
import shutil
import subprocess

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.migrate import upgrade
from tests.deploy.compose import ROOT

SCRIPT = ROOT / "deploy" / "postgres" / "initdb" / "10-buyfree.sh"

pytestmark = pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")


@pytest.fixture
def server(database_url):
    """libpq settings of the session's server (a socket dir or a host) and an admin URL."""
    url = make_url(database_url)
    host = url.query.get("host") or url.host or "127.0.0.1"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    env = {"PGHOST": host, "PGPORT": str(url.port or 5432), "POSTGRES_USER": url.username or "postgres",
           "POSTGRES_DB": "postgres"}
    if url.password:
        env["PGPASSWORD"] = url.password
    return url, admin, env


@pytest.fixture
def names(server):
    suffix = secrets.token_hex(3)
    names = {"APP_DB_NAME": f"bf_init_{suffix}", "APP_DB_USER": f"bf_app_{suffix}",
             "APP_DB_PASSWORD": secrets.token_hex(12)}
    yield names
    with psycopg.connect(server[1], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{names["APP_DB_NAME"]}" WITH (FORCE)')
        conn.execute(f'DROP ROLE IF EXISTS "{names["APP_DB_USER"]}"')


def _run(env: dict) -> subprocess.CompletedProcess:
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run(["sh", str(SCRIPT)], env=full, capture_output=True, text=True, timeout=120)


def test_creates_the_role_and_database_the_app_migrates_with(server, names):
    url, admin, env = server
    done = _run({**env, **names})
    assert done.returncode == 0, done.stderr
    with psycopg.connect(admin, autocommit=True) as conn:
        login, superuser = conn.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s",
                                        (names["APP_DB_USER"],)).fetchone()
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                             (names["APP_DB_NAME"],)).fetchone()[0]
    assert login and not superuser and owner == names["APP_DB_USER"]

    app_url = url.set(username=names["APP_DB_USER"], password=names["APP_DB_PASSWORD"],
                      database=names["APP_DB_NAME"]).render_as_string(hide_password=False)
    engine = make_engine(app_url, pool_size=1)
    try:
        upgrade(engine)  # the app's own role is enough: no superuser step in any migration
        with engine.connect() as conn:
            assert conn.execute(text("SHOW timezone")).scalar() == "Asia/Shanghai"
            assert conn.execute(text("SELECT current_user")).scalar() == names["APP_DB_USER"]
            owners = set(conn.execute(text(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
            assert owners == {names["APP_DB_USER"]}
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'purchases_20%'")).scalar()
    finally:
        engine.dispose()


def test_runs_again_without_harm_and_refuses_a_missing_password(server, names):
    env = {**server[2], **names}
    assert _run(env).returncode == 0
    assert _run(env).returncode == 0  # the entrypoint only runs it on an empty volume, but a rerun is safe
    done = _run({**server[2], "APP_DB_NAME": names["APP_DB_NAME"], "APP_DB_USER": names["APP_DB_USER"]})
    assert done.returncode != 0 and "APP_DB_PASSWORD" in done.stderr
