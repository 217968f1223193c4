"""Real PostgreSQL and Redis for every test: the machine's (URLs in the environment)
or the embedded servers, with a fresh database per test session."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from tests.helpers import ADMIN_TOKEN, SECRET_KEY, Api
from tests.objects import backend, objects, s3_endpoint  # noqa: F401  (fixtures: both object-store backends)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    """A real 3-node Redis Cluster on loopback ports (tests/cluster.py), one per session."""
    from tests.cluster import RedisClusterProcess

    cluster = RedisClusterProcess(tmp_path_factory.mktemp("redis-cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def server_urls(request, tmp_path_factory):
    """(admin database URL, Redis URL) of the servers under test.

    ``BUYFREE_TEST_REDIS_CLUSTER=1``: Redis is a 3-node cluster started for the
    session (its ``redis+cluster://`` URL), whatever ``BUYFREE_REDIS_URL`` says.
    """
    db_url = os.environ.get("BUYFREE_DATABASE_URL")
    redis_url = os.environ.get("BUYFREE_REDIS_URL")
    if os.environ.get("BUYFREE_TEST_REDIS_CLUSTER") == "1":
        redis_url = request.getfixturevalue("redis_cluster").url
    embedded = None
    if not db_url or not redis_url:
        from config.embedded import EmbeddedServers

        embedded = EmbeddedServers(tmp_path_factory.mktemp("servers"))
        db_url = db_url or embedded.start_postgres()
        redis_url = redis_url or embedded.start_redis()
    yield db_url, redis_url
    if embedded is not None:
        embedded.stop()


@pytest.fixture(scope="session")
def database_url(server_urls):
    """A fresh database for this test session, dropped at the end."""
    from sqlalchemy.engine import make_url

    base = make_url(server_urls[0])
    name = f"bf_test_{secrets.token_hex(4)}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url(server_urls):
    return server_urls[1]


@pytest.fixture(scope="session")
def settings(database_url, redis_url, tmp_path_factory):
    from config import load_settings

    # Alerts after commit off: their evaluation behind the request would add alert events to other
    # tests' outboxes at moments of its own; the tests of it turn it on (``alerts_after_commit``).
    return load_settings(database_url=database_url, redis_url=redis_url, admin_token=ADMIN_TOKEN,
                         secret_key=SECRET_KEY, data_dir=tmp_path_factory.mktemp("data"), alerts_after_commit=False)


@pytest.fixture
def alerts_after_commit(store, monkeypatch):
    """The product's default: the alert rules evaluated right after a commit (analytics.alerts.follow)."""
    monkeypatch.setattr(store.settings, "alerts_after_commit", True)


@pytest.fixture(scope="session")
def app(settings):
    """One app per test session: Dash callbacks are global to the process."""
    from app import create_app
    from store import get_store
    from store.migrate import upgrade

    app = create_app(settings)
    app.config["TESTING"] = True
    upgrade(get_store(app).engine)
    yield app
    get_store(app).close()


@pytest.fixture
def store(app):
    from store import get_store

    return get_store(app)


TABLES_KEEP = {"alembic_version"}


@pytest.fixture(autouse=True)
def _clean(request):
    """Each test that uses the app starts from empty tables and an empty Redis."""
    if "app" not in request.fixturenames:
        yield
        return
    from store import get_store

    reset_data(get_store(request.getfixturevalue("app")))
    yield


def reset_data(store) -> None:
    """Empty every table and the test Redis database (tests that need two fresh starts call it too)."""
    from analytics.live import marks

    # The outbox ids restart at 1: marks the previous test left collected would land on this one's rows.
    marks.flush(store)
    with store.engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            if r[0] not in TABLES_KEEP and "_20" not in r[0] and not r[0].endswith("_default")]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    store.redis.flushdb()  # on a cluster client: every primary
    import ingest

    ingest.reset_caches()  # cached products and device owners would outlive the truncated rows
    from analytics.queries import forget_playlist

    forget_playlist(store)  # the same for the process's last playlist


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app on 127.0.0.1:<free port>, threaded like a real server (browser and simulator tests)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture(scope="session")
def alipay_keys():
    """The app's key pair and another key (a forger's), made once per session."""
    from simulator.alipay import signing

    return signing.new_private_key(), signing.new_private_key()


@pytest.fixture
def alipay(store, live_server, alipay_keys):
    """The Alipay stand-in over real HTTP, and the app's payment settings pointed at it (the
    notify URL is the live server's); put back as they were afterwards."""
    from pydantic import SecretStr

    from simulator.alipay import AlipayStandIn, signing

    app_key, _ = alipay_keys
    standin = AlipayStandIn("2021000000000001", signing.public_pem(app_key), retry_seconds=(0.3, 0.6, 1.2)).start()
    settings = store.settings
    saved = {name: getattr(settings, name) for name in (
        "alipay_app_id", "alipay_private_key", "alipay_public_key", "alipay_gateway", "alipay_notify_url")}
    for name, value in {"alipay_app_id": standin.app_id, "alipay_private_key": SecretStr(signing.private_pem(app_key)),
                        "alipay_public_key": standin.public_pem, "alipay_gateway": standin.gateway_url,
                        "alipay_notify_url": live_server + "/api/v1/payments/alipay/notify"}.items():
        object.__setattr__(settings, name, value)
    store.alipay = None
    yield standin
    standin.stop()
    for name, value in saved.items():
        object.__setattr__(settings, name, value)
    store.alipay = None
