"""gunicorn settings, overridable from ``GUNICORN_*``-style BuyFree variables."""
from __future__ import annotations

import os


def options(host: str, port: int, workers: int, threads: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": int(os.environ.get("BUYFREE_WEB_WORKERS", workers)),
        "threads": int(os.environ.get("BUYFREE_WEB_THREADS", threads)),
        "worker_class": "gthread",
        "timeout": int(os.environ.get("BUYFREE_WEB_TIMEOUT", 30)),
        # In-flight ingest finishes before a worker exits on SIGTERM.
        "graceful_timeout": int(os.environ.get("BUYFREE_WEB_GRACEFUL_TIMEOUT", 30)),
        "keepalive": 5,
        "accesslog": os.environ.get("BUYFREE_WEB_ACCESSLOG") or None,
        "preload_app": False,
    }
