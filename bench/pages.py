"""Page weight and speed: Lighthouse 12 (desktop preset, headless Chromium) on the sign-in page, the
console desk and a kiosk wall, against the app under gunicorn with a small believable dataset.

    python bench/pages.py [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--runs 1]

Prints, per page: the performance score, First Contentful Paint, Largest Contentful Paint, Total
Blocking Time, and what the first load transferred (bytes on the wire, and requests), from
Lighthouse's own audits; then the targets (performance >= 90, a wall's first load <= 2 MB).
Lighthouse comes from npm (bench/node.py installs it under .cache/node on first use); Chromium is
Debian's (/usr/bin/chromium, CHROME_PATH). Map tiles point at a local path that answers 404, as
on an intranet without a tile server: the figures are the app's own bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.node import lighthouse_bin  # noqa: E402
from bench.servers import ADMIN_TOKEN, BenchServers  # noqa: E402

PASSWORD = "bench-pages-password"
WALL_LIMIT = 2 * 1024 * 1024
TARGET_SCORE = 90


def _api(base: str, method: str, path: str, body=None, token: str = ADMIN_TOKEN, key: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    reply = requests.request(method, f"{base}/api/v1{path}", json=body, headers=headers, timeout=30)
    assert reply.status_code < 300, (method, path, reply.status_code, reply.text[:300])
    return reply.json() if reply.content else {}


def seed(base: str) -> dict:
    """Stations, products, drivers with orders awaiting pickup and positions, sales, ads: a wall with content."""
    stations = [_api(base, "POST", "/stations", {"name": f"补给站 {n} Station {n}", "address": f"{n} Road",
                                                 "lat": 31.20 + n / 80, "lng": 121.40 + n / 60}) for n in range(6)]
    products = [_api(base, "POST", "/products", {"sku": f"P-{n}", "name": f"商品 Product {n}", "category": "snacks",
                                                 "retail_price_cents": 300 + 50 * n, "supply_price_cents": 200 + 30 * n})
                for n in range(10)]
    for s in stations:
        _api(base, "PUT", f"/stations/{s['id']}/stock", {"items": [{"sku": p["sku"], "quantity": 5000, "on_shelf": True}
                                                                    for p in products]})
    ad = _api(base, "POST", "/ads", {"title": "广告 Ad", "advertiser": "Adv", "expected_plays": 1000,
                                     "price_per_play_cents": 5, "starts_at": datetime.now(timezone.utc).isoformat()})
    now = datetime.now(timezone.utc).isoformat()
    for n in range(12):
        driver = _api(base, "POST", "/drivers", {"name": f"司机 Driver {n}", "car_plate": f"沪A·B{n:04d}"})
        device = _api(base, "POST", "/devices", {"serial": f"BENCH-{n:04d}", "driver_id": driver["id"]})
        _api(base, "POST", "/devices/me/heartbeat", {}, token=device["api_key"])
        items = [{"station_id": stations[n % 6]["id"], "sku": products[(n + k) % 10]["sku"], "quantity": 3 + k}
                 for k in range(3)]
        _api(base, "POST", "/replenishments", {"items": items, "payment": {"method": "alipay", "reference": f"r{n}"}},
             token=driver["api_key"], key=f"bench-r{n}")
        _api(base, "POST", "/drivers/me/locations", {"points": [{"lat": 31.21 + n / 200, "lng": 121.45 + n / 150,
                                                                 "recorded_at": now}]}, token=driver["api_key"])
        for k in range(5):
            _api(base, "POST", "/purchases", {"occurred_at": now, "items": [{"sku": products[k]["sku"], "quantity": 1}],
                                              "payment": {"method": "wechat", "reference": f"b{n}-{k}"}},
                 token=device["api_key"], key=f"bench-p{n}-{k}")
        _api(base, "POST", "/ad-plays", {"plays": [{"ad_id": ad["id"], "played_at": now, "duration_ms": 15000}]},
             token=device["api_key"], key=f"bench-a{n}")
    screen = _api(base, "POST", "/screens", {"label": "Lobby", "station_id": None})
    _api(base, "POST", "/users", {"username": "bench", "password": PASSWORD, "role": "admin"})
    return {"wall": screen["url"]}


def session_cookie(base: str) -> str:
    """Sign in through the form, as a browser does: the Cookie header Lighthouse sends for the console."""
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    reply = http.post(f"{base}/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token},
                      allow_redirects=False, timeout=10)
    assert reply.status_code == 302, reply.text[:300]
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def lighthouse(url: str, out: Path, cookie: str | None = None) -> dict:
    chrome = shutil.which("chromium") or "/usr/bin/chromium"
    command = [str(lighthouse_bin()), url, "--preset=desktop", "--only-categories=performance", "--output=json",
               f"--output-path={out}", "--quiet", "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chrome}, stdout=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    audits = report["audits"]
    requests_ = audits["network-requests"]["details"]["items"]
    return {"score": round(report["categories"]["performance"]["score"] * 100),
            "fcp": audits["first-contentful-paint"]["numericValue"], "lcp": audits["largest-contentful-paint"]["numericValue"],
            "tbt": audits["total-blocking-time"]["numericValue"],
            "bytes": sum(r.get("transferSize") or 0 for r in requests_),
            "raw": sum(r.get("resourceSize") or 0 for r in requests_), "requests": len(requests_)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BUYFREE_DATABASE_URL"),
                        help="PostgreSQL to create the bench database on (default: an embedded server)")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (the median is printed)")
    parser.add_argument("--keep", type=Path, help="a folder to keep Lighthouse's JSON reports in (its audits)")
    args = parser.parse_args()
    os.environ["BUYFREE_MAP_TILES"] = "/screen/no-tiles/{z}/{x}/{y}.png"
    lighthouse_bin()  # install before timing anything
    with BenchServers(args.database_url, None, workers=2, threads=4) as servers, \
            tempfile.TemporaryDirectory(prefix="buyfree-lighthouse-") as tmp:
        base = servers.app_url
        urls = seed(base)
        cookie = session_cookie(base)
        pages = [("/login", base + "/login", None), ("console desk", base + "/console", cookie),
                 ("kiosk wall", base + urls["wall"], None)]
        print("Lighthouse 12, desktop preset, headless Chromium; the app under gunicorn (2 workers × 4 threads)")
        print("on a shared 2-core machine (timings are noisy; bytes are not).")
        print(f"{'page':14} {'perf':>5} {'FCP ms':>8} {'LCP ms':>8} {'TBT ms':>8} {'transfer':>10} {'uncompressed':>13} "
              f"{'requests':>8}")
        results = {}
        for name, url, page_cookie in pages:
            runs = [lighthouse(url, Path(tmp) / f"{len(results)}-{i}.json", page_cookie) for i in range(args.runs)]
            r = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                for i in range(args.runs):
                    shutil.copy(Path(tmp) / f"{len(results)}-{i}.json", args.keep / f"{name.replace(' ', '-')}-{i}.json")
            results[name] = r
            print(f"{name:14} {r['score']:5.0f} {r['fcp']:8.0f} {r['lcp']:8.0f} {r['tbt']:8.0f} "
                  f"{r['bytes'] / 1024:8.0f} kB {r['raw'] / 1024:10.0f} kB {r['requests']:8.0f}")
        wall = results["kiosk wall"]["bytes"]
        worst = min(r["score"] for r in results.values())
        print(f"targets: performance >= {TARGET_SCORE} on every page: {'met' if worst >= TARGET_SCORE else 'MISSED'} "
              f"(lowest {worst:.0f}); wall first load <= 2 MB: {'met' if wall <= WALL_LIMIT else 'MISSED'} "
              f"({wall / 1024 / 1024:.2f} MB, {wall / results['kiosk wall']['raw']:.2f} of its uncompressed size)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
