"""One run: prepare the world, step the fleet at a steady pace, print progress and a summary."""
from __future__ import annotations

import logging
import random
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from simulator.client import ApiClient
from simulator.fleet import OFFLINE_CHANCE, Fleet, Totals
from simulator.world import StateFile, default_state_path, prepare

log = logging.getLogger("simulator")


@dataclass
class Options:
    base_url: str = "http://127.0.0.1:8050"
    admin_token: str | None = None
    stations: int = 0            # make sure at least this many stations exist (0: use what is there)
    drivers: int = 12
    rate: float = 1.5            # passenger purchases per second across the fleet at the busiest hour
    seed: int | None = None
    duration: float = 60.0       # seconds of traffic; 0 runs until interrupted
    tick: float = 1.0            # seconds per step
    speed_kmh: float = 180.0     # how fast cars cross the map (brisk, so a wall visibly moves)
    hour: float | None = None    # hour of day for the demand curve (default: now, business time)
    offline_chance: float = OFFLINE_CHANCE  # per device and step
    timezone: str = "Asia/Shanghai"
    state_file: Path | None = None
    wait_for_server: bool = False
    quiet: bool = False
    progress_every: float = 10.0


@dataclass
class Result:
    seed: int
    steps: int
    seconds: float
    totals: Totals
    tally: dict
    unexpected: list[str]


def run(options: Options, out=sys.stdout) -> Result:
    seed = options.seed if options.seed is not None else secrets.randbelow(10 ** 6)
    tz = ZoneInfo(options.timezone)
    rng = random.Random(seed)
    client = ApiClient(options.base_url, options.admin_token)
    say = (lambda *a: None) if options.quiet else (lambda text: print(text, file=out, flush=True))
    if options.wait_for_server:
        client.wait_for_server()
    state = StateFile(options.state_file or default_state_path(), options.base_url)
    world = prepare(client, state, rng, stations=options.stations, drivers=options.drivers)
    hour = options.hour if options.hour is not None else _hour_now(tz)
    fleet = Fleet(client, world, rng, seed=seed, rate=options.rate, tick=options.tick,
                  speed_kmh=options.speed_kmh, start_hour=hour, offline_chance=options.offline_chance)
    say(f"simulating {len(fleet.cars)} drivers around {len(world.stations)} stations, {len(world.skus)} products, "
        f"seed {seed}, run {world.run_number} against {options.base_url}")
    steps = int(options.duration / options.tick) if options.duration else None
    started = time.monotonic()
    fleet.start(datetime.now(tz))
    step, last_report = 0, started
    try:
        while steps is None or step < steps:
            # Steps are counted, not timed: a slow server delays them but never changes what is sent.
            delay = started + step * options.tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            fleet.step(step, datetime.now(tz))
            step += 1
            if time.monotonic() - last_report >= options.progress_every:
                last_report = time.monotonic()
                say(progress_line(step, last_report - started, fleet.totals, len(client.unexpected)))
    except KeyboardInterrupt:
        say("interrupted: uploading what is still buffered")
    fleet.finish()
    result = Result(seed, step, time.monotonic() - started, fleet.totals, dict(client.tally), client.unexpected)
    print(summary(result), file=out, flush=True)
    return result


def _hour_now(tz: ZoneInfo) -> float:
    now = datetime.now(tz)
    return now.hour + now.minute / 60


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def progress_line(step: int, seconds: float, t: Totals, problems: int) -> str:
    return (f"[{seconds:6.0f}s] step {step}: {t.purchases} purchases {yuan(t.purchase_cents)}, "
            f"{t.orders} restock orders {yuan(t.order_cents)}, {t.pickups} pickups, {t.ad_plays} ad plays, "
            f"{t.location_points} GPS points" + (f", {problems} unexpected answers" if problems else ""))


def summary(result: Result) -> str:
    t = result.totals
    lines = [
        f"simulation finished: seed {result.seed}, {result.steps} steps in {result.seconds:.1f} s",
        f"  purchases        {t.purchases:8d}  {yuan(t.purchase_cents):>14}  ({t.buffered} uploaded late in batches, "
        f"{t.scanned} paid by scanning an Alipay code, {t.walked_away} codes left unpaid)",
        f"  restock orders   {t.orders:8d}  {yuan(t.order_cents):>14}  ({t.pickups} picked up, "
        f"{t.refused_restocks} refused: out of stock)",
        f"  ad plays {t.ad_plays}, GPS points {t.location_points}, heartbeats {t.heartbeats}, "
        f"playlists {t.playlists} ({t.creatives_fetched} creatives fetched)",
        "  requests by endpoint and status:",
    ]
    for (method, path, status), n in sorted(result.tally.items(), key=lambda kv: (kv[0][1], kv[0][0], str(kv[0][2]))):
        lines.append(f"    {method:6} {path:34} {status!s:>5}  {n:7d}")
    lines.append(f"  unexpected answers: {len(result.unexpected)}")
    lines.extend(f"    {m}" for m in result.unexpected[:10])
    return "\n".join(lines)
