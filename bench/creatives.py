"""Creatives benchmark: uploads and device playlists against the app under gunicorn.

    python bench/creatives.py [--upload-mb 200] [--devices 1000] [--seconds 15] [--connections 32]
                              [--workers 2] [--threads 4] [--database-url postgresql://...] [--redis-url redis://...]

Upload: one multipart upload of a valid MP4 padded to ``--upload-mb`` (a top-level
``free`` box, which FFmpeg skips), and one of a tenth of that size, both through
HTTP; prints MB/s, the app's CPU per MB, and the peak RSS growth of the worker that
took it (sampled every 20 ms). The baseline, in the same run: the same bytes copied
to a file with SHA-256 on the way (the floor an upload can reach on this disk).
Playlist: ``--devices`` devices, 8 running ads with 2 creatives each; closed-loop
GETs, each with the next device's token, first without and then with
``If-None-Match`` (304s, what polling devices send); requests/s and app CPU per
request, against ``/healthz`` in the same run (the request floor).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import itertools
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
import requests  # noqa: E402

from bench.httpload import closed_loop  # noqa: E402
from bench.servers import ADMIN_TOKEN, BenchServers, healthz  # noqa: E402

MB = 1024 * 1024
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def padded_mp4(path: Path, megabytes: int) -> None:
    """A real MP4 clip followed by a ``free`` box that brings the file to ``megabytes``."""
    from tests.media import video

    clip = video("mp4")
    pad = megabytes * MB - len(clip) - 8
    block = os.urandom(MB)
    with open(path, "wb") as out:
        out.write(clip)
        out.write(pad.to_bytes(4, "big") + b"free")
        for _ in range(pad // MB):
            out.write(block)
        out.write(block[: pad % MB])


def multipart_file(source: Path, target: Path, boundary: str) -> None:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{source.name}\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode()
    with open(target, "wb") as out, open(source, "rb") as src:
        out.write(head)
        while chunk := src.read(4 * MB):
            out.write(chunk)
        out.write(f"\r\n--{boundary}--\r\n".encode())


class PeakRss:
    """The largest RSS growth of any gunicorn worker while the block runs (sampled)."""

    def __init__(self, master_pid: int):
        self.workers = psutil.Process(master_pid).children(recursive=True)
        self.base = {p.pid: p.memory_info().rss for p in self.workers}
        self.peak = dict(self.base)
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            for p in self.workers:
                try:
                    self.peak[p.pid] = max(self.peak[p.pid], p.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.02)

    def __enter__(self):
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()

    @property
    def growth_mb(self) -> float:
        return max(self.peak[pid] - self.base[pid] for pid in self.base) / MB


def baseline_copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(256 * 1024):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - started


def upload(servers, ad_id: int, megabytes: int, tmp: Path) -> dict:
    source, body = tmp / f"clip-{megabytes}.mp4", tmp / f"body-{megabytes}.bin"
    padded_mp4(source, megabytes)
    multipart_file(source, body, "benchboundary")
    copy_seconds = baseline_copy(source, tmp / "copy.bin")
    before = servers.cpu_seconds()["app"]
    with PeakRss(servers.procs[-1].pid) as rss, open(body, "rb") as data:
        started = time.perf_counter()
        reply = requests.post(f"{servers.app_url}/api/v1/ads/{ad_id}/creatives", data=data, timeout=600, headers={
            **ADMIN, "Content-Type": "multipart/form-data; boundary=benchboundary",
            "Content-Length": str(body.stat().st_size)})
        seconds = time.perf_counter() - started
    assert reply.status_code == 201, (reply.status_code, reply.text[:300])
    cpu = servers.cpu_seconds()["app"] - before
    for path in (source, body, tmp / "copy.bin"):
        path.unlink()
    return {"mb": megabytes, "seconds": seconds, "mb_s": megabytes / seconds, "copy_mb_s": megabytes / copy_seconds,
            "cpu_ms_per_mb": cpu * 1000 / megabytes, "rss_growth_mb": rss.growth_mb}


def seed_playlist(base: str, devices: int) -> list[str]:
    from tests.media import image

    http = requests.Session()
    http.headers.update(ADMIN)
    now = datetime.now(timezone.utc)
    for n in range(8):
        ad = http.post(f"{base}/api/v1/ads", json={
            "title": f"Bench ad {n}", "advertiser": "Bench", "expected_plays": 10**6, "price_per_play_cents": 5,
            "starts_at": (now - timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json()
        for k in range(2):
            data = image("JPEG", size=(1280, 720), color=(n * 30 % 255, k * 100, 90))
            reply = http.post(f"{base}/api/v1/ads/{ad['id']}/creatives", files={"file": ("ad.jpg", io.BytesIO(data))})
            assert reply.status_code == 201, reply.text

    def one(n: int) -> str:
        with requests.Session() as s:
            s.headers.update(ADMIN)
            driver = s.post(f"{base}/api/v1/drivers", json={"name": f"D{n}", "car_plate": f"P{n:05d}"}).json()
            return s.post(f"{base}/api/v1/devices", json={"serial": f"BENCH-{n:05d}",
                                                          "driver_id": driver["id"]}).json()["api_key"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(devices)))


def load(servers, seconds: float, connections: int, make) -> dict:
    parts = urlsplit(servers.app_url)
    before = servers.cpu_seconds()["app"]
    tally, elapsed = asyncio.run(closed_loop(parts.hostname, parts.port, connections, seconds, make))
    cpu = servers.cpu_seconds()["app"] - before
    count = sum(tally.statuses.values())
    return {"rps": count / elapsed, "cpu_ms": cpu * 1000 / max(count, 1), "statuses": tally.statuses,
            "p99_ms": tally.percentile(0.99) * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upload-mb", type=int, default=200)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with BenchServers(args.database_url, args.redis_url, args.workers, args.threads) as servers, \
            tempfile.TemporaryDirectory(prefix="buyfree-bench-upload-") as tmp:
        base = servers.app_url
        ad = requests.post(f"{base}/api/v1/ads", headers=ADMIN, json={
            "title": "Upload bench", "advertiser": "Bench", "expected_plays": 1, "price_per_play_cents": 0,
            "starts_at": datetime.now(timezone.utc).isoformat()}).json()
        print(f"== upload (one request at a time; app: {args.workers} workers x {args.threads} threads)")
        for _ in range(2 * args.workers):  # first uploads load Pillow and FFmpeg's libraries: not the upload's memory
            upload(servers, ad["id"], 1, Path(tmp))
        for megabytes in (max(1, args.upload_mb // 10), args.upload_mb):
            r = upload(servers, ad["id"], megabytes, Path(tmp))
            print(f"{r['mb']:5d} MB: {r['mb_s']:7.1f} MB/s ({r['seconds']:.2f} s), baseline copy+sha256 "
                  f"{r['copy_mb_s']:7.1f} MB/s (ratio {r['mb_s'] / r['copy_mb_s']:.2f}), "
                  f"app CPU {r['cpu_ms_per_mb']:.1f} ms/MB, peak worker RSS growth {r['rss_growth_mb']:.1f} MB")
        print(f"== playlist: seeding {args.devices} devices, 8 ads x 2 creatives")
        tokens = seed_playlist(base, args.devices)
        probe = requests.get(f"{base}/api/v1/devices/me/playlist", headers={"Authorization": f"Bearer {tokens[0]}"})
        etag, size = probe.headers["ETag"], len(probe.content)
        devices = itertools.cycle(tokens)

        def plain(n, i):
            return "GET", "/api/v1/devices/me/playlist", b"", {"Authorization": f"Bearer {next(devices)}"}

        def conditional(n, i):
            return "GET", "/api/v1/devices/me/playlist", b"", {"Authorization": f"Bearer {next(devices)}",
                                                               "If-None-Match": etag}

        load(servers, 3, args.connections, plain)  # warm every device's token into the workers' caches
        floor = load(servers, args.seconds, args.connections, healthz)
        full = load(servers, args.seconds, args.connections, plain)
        not_modified = load(servers, args.seconds, args.connections, conditional)
        print(f"/healthz (floor)        {floor['rps']:7.0f} req/s  {floor['cpu_ms']:.2f} ms CPU/req")
        for label, r in (("playlist 200 (%d B)" % size, full), ("playlist 304", not_modified)):
            print(f"{label:23} {r['rps']:7.0f} req/s  {r['cpu_ms']:.2f} ms CPU/req  p99 {r['p99_ms']:.1f} ms  "
                  f"({r['rps'] / floor['rps']:.2f} x floor)  statuses {r['statuses']}")
        print("(shared 2-core machine: compare the ratios and CPU per request, not the rates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
