"""Command implementations behind ``python app.py <command>``.

``app.py`` is the top: it builds the parser and hands its own ``create_app``
to the commands that serve (``serve``, ``demo``); nothing here imports it.
"""
from __future__ import annotations

from commands import demo, rebuild, relay, scheduler, serve, simulate, stream

__all__ = ["add_commands", "demo", "serve"]

# name -> (module with add_arguments(parser) and run(args), help)
COMMANDS = {
    "scheduler": (scheduler, "run the scheduler process (APScheduler)"),
    "rebuild": (rebuild, "rebuild every Redis figure from PostgreSQL"),
    "simulate": (simulate, "drive simulated traffic through the HTTP API"),
    "stream": (stream, "serve the live streams the web workers hand over (started by the web server)"),
    "relay": (relay, "publish every committed event to RabbitMQ (BUYFREE_AMQP_URL)"),
}


def add_commands(sub) -> dict:
    """Register the commands of ``COMMANDS`` on the sub-parsers; return name -> handler(args)."""
    handlers = {}
    for name, (module, help_text) in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, help=help_text))
        handlers[name] = module.run
    return handlers
