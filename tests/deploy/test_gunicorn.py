"""The image's server: plain gunicorn with gunicorn.conf.py, configured from BUYFREE_WEB_* variables."""
import json
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.deploy.gunicorn_server import ROOT, GunicornServer
from tests.helpers import ADMIN_TOKEN, closed_port


@pytest.fixture(scope="module", params=["epoll", "gthread"])
def server(request, app, database_url, redis_url, tmp_path_factory):
    """Each worker of ``BUYFREE_WEB_WORKER`` keeps every promise below. ``app`` first: its session
    fixture has migrated the test database."""
    gunicorn = GunicornServer(database_url, redis_url, tmp_path_factory.mktemp("gunicorn") / "log",
                              BUYFREE_WEB_WORKER=request.param).start()
    yield gunicorn
    gunicorn.stop()


def _healthcheck(port: int) -> int:
    env = {"PATH": "/usr/bin:/bin", "BUYFREE_WEB_PORT": str(port)}
    return subprocess.run([sys.executable, "deploy/healthcheck.py"], cwd=ROOT, env=env, capture_output=True,
                          timeout=30).returncode


def test_container_healthcheck_passes_on_a_running_server_and_fails_on_none(server):
    assert _healthcheck(server.port) == 0
    assert _healthcheck(closed_port()) == 1


def test_workers_from_the_environment_serve_the_api(server):
    reply = requests.get(server.base + "/readyz", timeout=5)
    assert reply.status_code == 200 and reply.json()["postgres"] == "ok"
    text = server.log_text()
    assert text.count("Booting worker") == 2, text


def test_json_logs_carry_the_request_id(server):
    reply = requests.get(server.base + "/api/v1/stations", headers={"X-Request-ID": "deploy-test-1"}, timeout=5)
    assert reply.headers["X-Request-ID"] == "deploy-test-1"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the worker writes the line just after the reply
        lines = [line for line in server.json_lines() if line.get("request_id") == "deploy-test-1"]
        if lines:
            break
        time.sleep(0.1)
    assert lines and lines[0]["logger"] == "buyfree.access" and lines[0]["status"] == 401
    assert any(line["logger"].startswith("gunicorn") for line in server.json_lines())


def test_silent_connections_do_not_hold_the_threads(server):
    """Connections that send nothing (a client pool opening ahead, a proxy's spares, a scanner),
    more of them than the workers have threads: the API still answers, and a silent connection
    is served once it speaks. gunicorn's gthread alone would hold a thread for 5 s per connection."""
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(16)]  # 2 workers x 4 threads
    try:
        time.sleep(0.5)  # accepted by the workers
        assert requests.get(server.base + "/healthz", timeout=3).status_code == 200
        silent[0].settimeout(3)
        silent[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        assert silent[0].recv(64).startswith(b"HTTP/1.1 200")
    finally:
        for conn in silent:
            conn.close()


def test_idle_connections_are_closed_after_the_keepalive(server):
    """A connection that never speaks and one whose last reply was sent are both closed once
    BUYFREE_WEB_KEEPALIVE (5 s) has passed with nothing from them, so idle clients cannot pile up."""
    silent = socket.create_connection(("127.0.0.1", server.port))
    used = socket.create_connection(("127.0.0.1", server.port))
    try:
        used.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        used.settimeout(3)
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.partition(b"\r\n\r\n")[2]) < _content_length(reply):
            reply += used.recv(4096)  # the head and the body may come apart
        assert reply.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        for conn in (silent, used):
            conn.settimeout(12)
            assert conn.recv(64) == b""  # the server's FIN
        assert 4 < time.monotonic() - started < 10
    finally:
        silent.close()
        used.close()


def _content_length(reply: bytes) -> int:
    head = reply.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
    return int(head.split("content-length:")[1].split("\r\n")[0]) if "content-length:" in head else 0


def _access_lines(server, path: str) -> list[str]:
    return [line for line in server.log_text().splitlines() if f'"GET {path} HTTP/1.1" 200' in line]


def test_gunicorn_writes_its_own_access_lines_only_when_asked(server, database_url, redis_url, tmp_path):
    requests.get(server.base + "/healthz?quiet", timeout=5)
    asked = GunicornServer(database_url, redis_url, tmp_path / "log", BUYFREE_WEB_ACCESSLOG="-",
                           BUYFREE_WEB_WORKERS="1").start()
    try:
        requests.get(asked.base + "/healthz?asked", timeout=5)
        deadline = time.monotonic() + 10
        while not _access_lines(asked, "/healthz?asked") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        asked.stop()
    assert len(_access_lines(asked, "/healthz?asked")) == 1, asked.log_text()[-2000:]
    time.sleep(0.5)
    assert _access_lines(server, "/healthz?quiet") == []


def test_a_worker_hides_the_built_app_from_the_garbage_collector():
    """gunicorn runs ``post_worker_init`` in each worker once the app is built; after it a full
    collection no longer walks the app's objects (the long pauses behind the latency tail)."""
    script = ("import gc\n"
              "from app import create_app\n"
              "from commands.gunicorn_conf import options\n"
              "create_app({'database_url': 'postgresql://nowhere/x', 'redis_url': 'redis://nowhere:1/0'})\n"
              "before = gc.get_freeze_count()\n"
              "options()['post_worker_init'](None)\n"
              "print(before, gc.get_freeze_count())\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin"})
    before, after = map(int, done.stdout.split())
    assert before == 0 and after > 100_000, done.stderr[-2000:]


@pytest.mark.parametrize("name,value", [("BUYFREE_WEB_WORKERS", "zero"), ("BUYFREE_WEB_PORT", "70000")])
def test_a_bad_web_setting_stops_the_start_and_names_itself(name, value, tmp_path):
    env = {"PATH": "/usr/bin:/bin", name: value}
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and name in done.stderr


def test_refuses_to_start_without_secrets(database_url, redis_url, tmp_path):
    gunicorn = GunicornServer(database_url, redis_url, tmp_path / "log", BUYFREE_ADMIN_TOKEN="")
    with pytest.raises(RuntimeError) as err:
        gunicorn.start(wait=60)
    assert "BUYFREE_ADMIN_TOKEN" in str(err.value)


def test_live_streams_do_not_hold_the_threads(server, api):
    """More open streams than the workers have threads (2 x 4): each gets its figures at once,
    the API still answers, and a sale reaches every stream (the worker hands each granted stream's
    socket to its process's hub and frees the thread)."""
    from tests.helpers import ADMIN_TOKEN, restock
    from tests.stream.client import SseClient

    station, product, driver = api.station(), api.product(), api.driver()
    api.stock(station["id"], [{"sku": product["sku"], "quantity": 50, "on_shelf": True}])
    streams = [SseClient(server.base, "/api/v1/stream", {"Authorization": f"Bearer {ADMIN_TOKEN}"}) for _ in range(20)]
    try:
        assert {(s.status, s.headers.get("transfer-encoding"), s.headers["connection"]) for s in streams} == \
            {(200, None, "close")}  # served from the hub: no chunking, the body ends with the connection
        for s in streams:
            s.wait_for(lambda name, data: name == "figures", what="the figures at once")
        assert requests.get(server.base + "/healthz", timeout=3).status_code == 200
        order = restock(api, driver, station, product, 4)
        for s in streams:
            s.wait_for(lambda name, data: name == "sale" and data["id"] == order["id"], what="the sale on every stream")
    finally:
        for s in streams:
            s.close()


def test_serve_command_sums_every_workers_requests_in_metrics(app, database_url, redis_url, tmp_path):
    """``python app.py serve`` with two workers: /metrics counts the requests whichever worker took them
    (prometheus_client must be imported in the workers, after the arbiter named the shared directory)."""
    port = closed_port()
    env = {**GunicornServer(database_url, redis_url, tmp_path / "unused").env, "BUYFREE_WEB_PORT": str(port)}
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "app.py", "serve", "--workers", "2"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        with requests.Session() as first, requests.Session() as second:  # two connections, likely two workers
            for _ in range(10):
                assert first.get(base + "/readyz", timeout=5).status_code == 200
                assert second.get(base + "/readyz", timeout=5).status_code == 200
        text = requests.get(base + "/metrics", timeout=5).text
        line = [ln for ln in text.splitlines() if ln.startswith("buyfree_http_requests_total")
                and 'endpoint="/readyz"' in ln]
        assert line and float(line[0].rsplit(" ", 1)[1]) == 20, text[-2000:]
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()


def _raw(server, request: bytes) -> tuple[int, dict, bytes]:
    """One request written as bytes; (status, headers, body) as the server answered."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _is_problem(status: int, headers: dict, body: bytes, expected: int) -> bool:
    return (status == expected and headers.get("content-type") == "application/problem+json"
            and json.loads(body)["status"] == expected)


@pytest.mark.parametrize("length", [5_000, 20_000])  # past the app's limit; past the server's own
def test_an_over_long_request_line_is_a_problem_414(server, length):
    request = b"GET /api/v1/stations?x=" + b"a" * length + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    assert _is_problem(*_raw(server, request), 414)


@pytest.mark.parametrize("headers", [b"X-Long: " + b"a" * 9_000 + b"\r\n",      # past the app's field limit
                                     b"X-Long: " + b"a" * 20_000 + b"\r\n",     # past the server's own
                                     b"".join(b"X-H%d: a\r\n" % n for n in range(300))])
def test_over_long_or_too_many_headers_are_a_problem_431(server, headers):
    request = b"GET /api/v1/stations HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + headers + b"\r\n"
    assert _is_problem(*_raw(server, request), 431)


def test_a_chunked_body_is_counted_as_it_arrives(server):
    """40 MB sent chunked (no Content-Length): refused at 2 MiB with a problem 413, not parsed."""
    head = (b"POST /api/v1/stations HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + ADMIN_TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b" " * (1024 * 1024))
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(head + b'1\r\n{\r\n')
        try:
            for _ in range(40):
                conn.sendall(chunk)
        except OSError:  # the server answered and closed: it did not read the rest
            pass
        data = b""
        try:
            while part := conn.recv(65536):
                data += part
        except OSError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"application/problem+json" in head, data[:300]
