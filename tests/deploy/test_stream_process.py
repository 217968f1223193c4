"""The live streams' own process beside gunicorn's workers (``python app.py stream``, started by
the server's ``on_starting``): what a wall's owner sees of it."""
from __future__ import annotations

import signal
import time

import psutil
import pytest
import requests

from tests.deploy.gunicorn_server import GunicornServer
from tests.helpers import ADMIN_TOKEN, restock
from tests.stream.client import SseClient

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server(app, database_url, redis_url, tmp_path_factory):
    gunicorn = GunicornServer(database_url, redis_url, tmp_path_factory.mktemp("gunicorn") / "log").start()
    yield gunicorn
    gunicorn.stop()


def children(server) -> dict[str, list[int]]:
    """The arbiter's children by kind: ``stream`` (the stream process) and ``web`` (the workers)."""
    out: dict[str, list[int]] = {"stream": [], "web": []}
    for child in psutil.Process(server.proc.pid).children():
        try:
            out["stream" if "stream" in child.cmdline() else "web"].append(child.pid)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):  # a killed child not reaped yet: gone
            continue
    return out


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds}s: {what}")


def sale_reaches(api, streams) -> None:
    station, product, driver = api.station(), api.product(), api.driver()
    api.stock(station["id"], [{"sku": product["sku"], "quantity": 50, "on_shelf": True}])
    order = restock(api, driver, station, product, 2)
    for s in streams:
        s.wait_for(lambda name, data: name == "sale" and data["id"] == order["id"], what="the sale")


def test_the_streams_are_held_by_the_stream_process_not_the_workers(server, api):
    streams = [SseClient(server.base, "/api/v1/stream", ADMIN) for _ in range(6)]
    try:
        for s in streams:
            s.wait_for(lambda name, data: name == "figures", what="the figures at once")
        pids = children(server)
        assert len(pids["stream"]) == 1 and len(pids["web"]) == 2
        assert requests.get(server.base + "/readyz", timeout=5).json()["stream"] == "process"
        held = [c for c in psutil.Process(pids["stream"][0]).net_connections("tcp") if c.status == "ESTABLISHED"
                and c.laddr.port == server.port]
        assert len(held) >= len(streams)
        for pid in pids["web"]:  # the workers let go of them
            assert not [c for c in psutil.Process(pid).net_connections("tcp")
                        if c.status == "ESTABLISHED" and c.laddr.port == server.port]
    finally:
        for s in streams:
            s.close()


def test_open_streams_outlive_a_reload_of_the_workers(server, api):
    """``kill -HUP`` (new code, new settings) or a worker recycled after ``web_max_requests``:
    the walls' streams stay open and the next sale still reaches them, without a reconnect."""
    streams = [SseClient(server.base, "/api/v1/stream", ADMIN) for _ in range(3)]
    try:
        for s in streams:
            s.wait_for(lambda name, data: name == "figures", what="the figures at once")
        before = children(server)
        server.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: len(set(children(server)["web"]) - set(before["web"])) == 2, 60, "two new workers")
        wait_until(lambda: requests.get(server.base + "/healthz", timeout=2).status_code == 200, 30, "healthz")
        assert children(server)["stream"] == before["stream"]
        sale_reaches(api, streams)
        assert not any(s.ended(0.1) for s in streams)
    finally:
        for s in streams:
            s.close()


def test_a_stream_process_that_dies_is_started_again_and_screens_reconnect(server, api):
    stream = SseClient(server.base, "/api/v1/stream", ADMIN)
    stream.wait_for(lambda name, data: name == "figures", what="the figures at once")
    [old] = children(server)["stream"]
    psutil.Process(old).kill()
    assert stream.ended(5), "the screen sees its stream end (EventSource then reconnects)"
    stream.close()
    wait_until(lambda: children(server)["stream"] and children(server)["stream"] != [old], 15,
               "a new stream process")
    wait_until(lambda: requests.get(server.base + "/readyz", timeout=5).json()["stream"] == "process", 15,
               "/readyz: the stream process is back")
    again = wait_until(lambda: _opened(server), 15, "a new stream served")
    try:
        again.wait_for(lambda name, data: name == "figures", what="figures from the new process")
        sale_reaches(api, [again])
    finally:
        again.close()


def _opened(server):
    client = SseClient(server.base, "/api/v1/stream", ADMIN)
    if client.status == 200:
        return client
    client.close()
    return None
