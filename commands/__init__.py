"""Command implementations behind ``python app.py <command>``."""
from __future__ import annotations

import importlib


def extra_commands(sub) -> dict:
    """Register the commands whose modules live here; return name -> handler(args)."""
    handlers = {}
    for name, module, help_text in (
        ("scheduler", "commands.scheduler", "run the scheduler process (APScheduler)"),
        ("rebuild", "commands.rebuild", "rebuild every Redis figure from PostgreSQL"),
        ("simulate", "commands.simulate", "drive simulated traffic through the HTTP API"),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        parser = sub.add_parser(name, help=help_text)
        mod.add_arguments(parser)
        handlers[name] = mod.run
    return handlers
