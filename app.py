"""BuyFree: the app factory and the command line.

    python app.py serve [--host 0.0.0.0] [--port 8050] [--workers N] [--with-scheduler]
    python app.py migrate | demo | scheduler | rebuild [--since DATE] | simulate [...]
"""
from __future__ import annotations

import argparse
import sys

from flask import Flask

import commands
import config
import store
from config import Settings, SettingsError, load_settings
from config.embedded import ensure_servers


def create_app(config_: Settings | dict | None = None, *, dashboard: bool = True) -> Flask:
    """Build the Flask app (and mount the Dash app on it).

    ``config_`` is a ``Settings`` or a dict of overrides of the ``BUYFREE_*``
    environment. Without database or Redis URLs the embedded servers start.
    ``dashboard=False`` leaves the Dash pages out (an API-only app).
    """
    # api (and with it prometheus_client) is imported here, in the worker, not when app.py loads in
    # gunicorn's arbiter: prometheus_client picks in-memory or multiprocess counters at import, and
    # the arbiter names the shared metrics directory only when it starts (gunicorn_conf.on_starting).
    import api

    settings = config_ if isinstance(config_, Settings) else load_settings(**(config_ or {}))
    settings = ensure_servers(settings)
    app = Flask(__name__, static_folder=None)
    config.init_app(app, settings)
    import analytics

    analytics.follow_committed(store.init_app(app, settings))  # the live figures hear of every commit
    api.init_app(app)
    if dashboard:
        import dashboard as dash_pkg  # Dash, plotly and pandas load only for an app that serves pages

        dash_pkg.init_app(app)
    return app


def configure_logging() -> None:
    """BUYFREE_LOG_LEVEL / BUYFREE_LOG_JSON; a bad setting is reported by the command itself."""
    from config.logging import configure, configure_from_settings

    try:
        configure_from_settings(load_settings())
    except SettingsError:
        configure()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="BuyFree real-time sales analytics")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API and dashboard")
    serve.add_argument("--host", default=None, help="bind address (default BUYFREE_WEB_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default BUYFREE_WEB_PORT, 8050)")
    serve.add_argument("--workers", type=int, default=None, help="gunicorn workers (default BUYFREE_WEB_WORKERS, 2)")
    serve.add_argument("--threads", type=int, default=None, help="threads per worker (default BUYFREE_WEB_THREADS, 4)")
    serve.add_argument("--with-scheduler", action="store_true", help="run the scheduler in this process")
    sub.add_parser("migrate", help="apply database migrations")
    demo = sub.add_parser("demo", help="seed the demo catalogue, then serve with live simulated traffic")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8050)
    demo.add_argument("--no-simulate", action="store_true")
    handlers = commands.add_commands(sub)
    args = parser.parse_args(argv)
    configure_logging()
    try:
        if args.command == "migrate":
            return commands.serve.migrate(load_settings())
        if args.command == "serve":
            return commands.serve.serve(load_settings(), args, create_app)
        if args.command == "demo":
            return commands.demo.demo(args, create_app)
        return handlers[args.command](args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
