"""``python app.py simulate``: live traffic through the public HTTP API (see ``simulator``)."""
from __future__ import annotations

import os
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--base-url", default="http://127.0.0.1:8050", help="the BuyFree server")
    parser.add_argument("--admin-token", default=os.environ.get("BUYFREE_ADMIN_TOKEN"),
                        help="admin token (default: $BUYFREE_ADMIN_TOKEN)")
    parser.add_argument("--stations", type=int, default=0, help="create stations until there are this many")
    parser.add_argument("--drivers", type=int, default=12, help="simulated drivers (each with one device)")
    parser.add_argument("--rate", type=float, default=1.5, help="purchases per second, whole fleet, busiest hour")
    parser.add_argument("--seed", type=int, default=None, help="same seed + same starting state = same requests")
    parser.add_argument("--duration", type=float, default=0, help="seconds to run (0: until interrupted)")
    parser.add_argument("--tick", type=float, default=1.0, help="seconds per simulation step")
    parser.add_argument("--speed", type=float, default=180.0, help="how fast cars move on the map, km/h")
    parser.add_argument("--hour", type=float, default=None, help="hour of day for demand (default: now)")
    parser.add_argument("--state-file", type=Path, default=None,
                        help="where the simulator keeps its drivers' keys (default: $BUYFREE_DATA_DIR/simulator-state.json)")
    parser.add_argument("--wait-for-server", action="store_true", help="wait until /healthz answers")
    parser.add_argument("--quiet", action="store_true", help="no progress lines (the summary still prints)")


def run(args) -> int:
    from simulator import Options, run as simulate

    if not args.admin_token:
        print("error: --admin-token or BUYFREE_ADMIN_TOKEN is required", flush=True)
        return 2
    result = simulate(Options(
        base_url=args.base_url, admin_token=args.admin_token, stations=args.stations, drivers=args.drivers,
        rate=args.rate, seed=args.seed, duration=args.duration, tick=args.tick, speed_kmh=args.speed,
        hour=args.hour, timezone=os.environ.get("BUYFREE_TIMEZONE", "Asia/Shanghai"), state_file=args.state_file,
        wait_for_server=args.wait_for_server, quiet=args.quiet))
    return 1 if result.unexpected else 0
