"""``migrate`` and ``serve``: gunicorn in front of ``create_app()``."""
from __future__ import annotations

import logging
import os
from typing import Callable

from flask import Flask

from commands import gunicorn_conf
from config import Settings
from config.embedded import ensure_servers, export_urls

log = logging.getLogger(__name__)


def migrate(settings: Settings) -> int:
    from store.db import make_engine
    from store.migrate import upgrade

    settings = ensure_servers(settings)
    engine = make_engine(settings.database_url, pool_size=1)
    upgrade(engine)
    engine.dispose()
    log.info("database is at the latest migration")
    return 0


def serve(settings: Settings, args, factory: Callable[[], Flask]) -> int:
    """``factory``: the app factory each worker calls (``app.create_app``)."""
    settings.require_secrets()
    settings = export_urls(settings)
    migrate(settings)
    run_gunicorn(factory, args.host, args.port, workers=args.workers, threads=args.threads,
                 with_scheduler=args.with_scheduler)
    return 0


def run_gunicorn(factory: Callable[[], Flask], host: str | None, port: int | None, *, workers: int | None = None,
                 threads: int | None = None, with_scheduler: bool = False) -> None:
    """gunicorn in this process, its workers serving ``factory()``; ``None`` arguments fall back
    to the ``BUYFREE_WEB_*`` settings."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in gunicorn_conf.options(host=host, port=port, workers=workers, threads=threads).items():
                self.cfg.set(key, value)

        def load(self):
            return factory()

    if with_scheduler:
        start_scheduler_process()
    Server().run()  # gunicorn_conf.on_starting prepares the shared metrics dir


def start_scheduler_process():
    """The scheduler as its own process from the same code (never inside web workers), and the
    AMQP relay beside it when ``BUYFREE_AMQP_URL`` is set."""
    import subprocess
    import sys
    import atexit

    app_py = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
    procs = [subprocess.Popen([sys.executable, app_py, name]) for name in
             ("scheduler", *(("relay",) if os.environ.get("BUYFREE_AMQP_URL") else ()))]
    for proc in procs:
        atexit.register(proc.terminate)
    return procs[0]
