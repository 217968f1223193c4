"""What polling walls cost today, for bench/stream.py: one kiosk wall's refresh requests, measured."""
from __future__ import annotations

import itertools
import json

from bench.httpload import closed_loop

_dumps = json.dumps  # Capture.post takes the body as ``json``, as a test client does


def polling_requests(kiosk: str) -> list[tuple]:
    """One tick of a kiosk wall today: its Dash callbacks (the bodies the browser sends) and the map feed."""
    from dashboard.screen import callbacks  # noqa: F401  (registers the wall's callbacks)
    from dashboard.screen import ids
    from tests.dashboard.dash_calls import call

    class Capture:
        def post(self, path, json):
            self.request = ("POST", path, _dumps(json).encode(), {})

    context = {"token": kiosk}
    shown: dict = {}  # the digests of what the page shows (none yet: every part is sent)
    calls = [(ids.KPI_TODAY + ".children", [1], [context, "—", shown]),
             (ids.RETAIL_TODAY + ".children", [1], [context, shown]),
             (ids.SALES_7D + ".figure", [1], [context, shown]),
             (ids.HOT_SELLERS + ".children", [1, "day"], [context, shown]),
             (ids.STATION_RANKING + ".children", [1], [context, [], shown])]
    out = []
    for first, inputs, state in calls:
        capture = Capture()
        call(capture, first, inputs, state)
        out.append(capture.request)
    return out


async def polling(servers, host, port, kiosk: str, args, refresh_ms: int) -> dict:
    ticks = polling_requests(kiosk)
    feed = ("GET", f"/screen/k/{kiosk}/drivers.json", b"", {})
    per_second = len(ticks) * 1000 / refresh_ms + 1000 / 2000  # callbacks per tick every refresh, the feed every 2 s
    cycle = itertools.cycle(ticks * 4 + [feed] * 3)  # the mix of one wall's requests (4 ticks per 3 feeds, ~1.5 s vs 2 s)

    def request(n: int, i: int):
        return next(cycle)

    await closed_loop(host, port, 8, 2, request)  # warm-up: Dash's first requests, pools
    before = servers.cpu_seconds()
    tally, elapsed = await closed_loop(host, port, 8, args.polling_seconds, request)
    after = servers.cpu_seconds()
    ok = tally.statuses.get(200, 0)
    cpu = {k: (after[k] - before[k]) / max(ok, 1) for k in ("app", "postgres", "redis")}
    return {"per_wall": per_second, "callbacks": len(ticks), "rate": ok / elapsed, "cpu": cpu, "statuses": tally.statuses}
