"""``python app.py rebuild [--since DATE]``: every Redis figure again from PostgreSQL.

Safe while ingest runs (see ``analytics.rebuild``); prints the counts and the speed.
"""
from __future__ import annotations

import argparse
import json
from datetime import date


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date YYYY-MM-DD") from None


def add_arguments(parser) -> None:
    parser.add_argument("--since", type=_day, default=None, metavar="DATE",
                        help="rebuild only the periods from this business day on (and the all-time totals)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from analytics.rebuild import RebuildBusy, rebuild
    from config import load_settings
    from config.embedded import ensure_servers
    from store import Store

    store = Store.from_settings(ensure_servers(load_settings()))
    try:
        result = rebuild(store, since=args.since, progress=not args.quiet)
    except RebuildBusy as exc:
        print(f"error: {exc}")
        return 1
    finally:
        store.close()
    print(json.dumps(result, indent=2))
    return 0
