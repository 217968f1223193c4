"""gunicorn settings from the ``BUYFREE_WEB_*`` settings, and the server hooks.

Two entry points share them: ``python app.py serve`` (gunicorn's
``BaseApplication``) and the plain ``gunicorn -c gunicorn.conf.py
'app:create_app()'`` that the image runs.

Graceful shutdown: on SIGTERM the arbiter tells each worker to stop
accepting; requests already running get ``web_graceful_timeout`` seconds to
finish. A purchase is committed before its ``201`` is written, and its Redis
apply is replayed from the outbox if the worker dies first, so an accepted
request is never lost, only its live figure delayed.
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile

from gunicorn.glogging import Logger as GunicornLogger

from config.http import MAX_HEADER_LINE, MAX_HEADERS
from commands import stream as stream_command
from commands.gunicorn_worker import EpollWorker, ThreadWorker
from config import Settings, SettingsError, load_settings
from config.embedded import export_urls
from config.logging import logging_dict

log = logging.getLogger("buyfree.gunicorn")


def options(settings: Settings | None = None, *, host: str | None = None, port: int | None = None,
            workers: int | None = None, threads: int | None = None) -> dict:
    """gunicorn settings; explicit arguments (the serve command's flags) win over the environment."""
    s = settings or load_settings()
    return {
        "bind": f"{host or s.web_host}:{port or s.web_port}",
        "workers": workers or s.web_workers,
        "threads": threads or s.web_threads,
        # Threads serving one request each; idle and kept-alive connections wait on the worker's
        # epoll, holding no thread (commands/gunicorn_worker.py).
        "worker_class": EpollWorker if s.web_worker == "epoll" else ThreadWorker,
        "timeout": s.web_timeout,
        "graceful_timeout": s.web_graceful_timeout,
        "keepalive": s.web_keepalive,
        "max_requests": s.web_max_requests,
        "max_requests_jitter": s.web_max_requests // 10 if s.web_max_requests else 0,
        "forwarded_allow_ips": s.web_forwarded_allow_ips,
        # Above the app's own limits (api/http.py), so that those answer with problem+json; what
        # gunicorn still refuses itself, the worker answers with problem+json too.
        "limit_request_line": 8190,  # gunicorn's maximum
        "limit_request_fields": 2 * MAX_HEADERS,
        "limit_request_field_size": 2 * MAX_HEADER_LINE,
        "accesslog": s.web_accesslog or None,
        # Heartbeat files in memory: a container's /tmp may sit on a slow overlay disk.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        # Each worker builds its own app: no connection crosses a fork.
        "preload_app": False,
        "logconfig_dict": logging_dict(s.log_level, s.log_json, gunicorn_access=bool(s.web_accesslog)),
        "logger_class": AccessAsConfigured,
        # No control socket: its default path is shared by every gunicorn of the user (tests, several
        # instances on one host) and the container user has no writable home.
        "control_socket_disable": True,
        "proc_name": "buyfree-web",
        "on_starting": on_starting,
        "on_exit": on_exit,
        "child_exit": child_exit,
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
        "worker_abort": worker_abort,
    }


class AccessAsConfigured(GunicornLogger):
    """gunicorn's logger, building an access line only when one is written: gunicorn counts any
    ``logconfig_dict`` as access logging on, and the line's fields cost about 3% of a purchase's
    CPU even though ``logging_dict`` mutes ``gunicorn.access`` (the app logs every request)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self._access_log_enabled = bool(cfg.accesslog) and self.access_log.isEnabledFor(logging.INFO)


def on_starting(server) -> None:
    """In the arbiter, before any worker: refuse to start half-configured; share the metrics dir."""
    try:
        settings = load_settings()
        settings.require_secrets()
        # One set of embedded servers for all workers, started here and handed down by URL
        # (an installation without them, the image, stops here asking for the URLs).
        settings = export_urls(settings)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    prepare_metrics_dir()
    server.buyfree_streams = stream_command.start_beside(settings)


def on_exit(server) -> None:
    """The arbiter stops: the stream process with it (its screens reconnect to the next server)."""
    beside = getattr(server, "buyfree_streams", None)
    if beside is not None:
        beside.stop()


def prepare_metrics_dir() -> None:
    """Several workers: prometheus_client sums their counters from files in one fresh dir.

    Fresh on every start: a restarted container keeps its /tmp, and stale files
    of dead workers would add old counts.
    """
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="buyfree-metrics-")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


def child_exit(server, worker) -> None:
    """A dead worker's live gauges must not linger in the summed metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """In the worker, with the app built: its long-lived objects (Dash, plotly, pandas, SQLAlchemy;
    about 200k) are moved out of the garbage collector's sight. A full collection otherwise walks
    them all every so often, holding the GIL while every request in flight waits: measured in the
    ingest bench at 300/s, pauses of up to 180 ms without this (4 in 20 s); with it the only long
    collection is this one, before the worker takes a request."""
    gc.collect()
    gc.freeze()


def worker_exit(server, worker) -> None:
    """In the worker, as it stops: write the outbox marks it still holds (a lost mark only
    costs a harmless re-apply, but a clean stop should leave nothing for the replay)."""
    app = getattr(worker, "wsgi", None)
    store = getattr(app, "extensions", {}).get("buyfree")
    if store is not None:
        from analytics.live.marks import flush

        flush(store)


def worker_abort(worker) -> None:
    """SIGABRT comes from the arbiter when a request outran ``web_timeout``."""
    log.error("worker %s aborted after the request timeout", worker.pid)
