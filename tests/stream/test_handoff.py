"""A granted stream's connection passed from a worker to the stream process (stream/handoff.py),
over a real Unix socket, to a real hub: what the client at the other end of the connection reads."""
from __future__ import annotations

import json
import socket
import threading

import pytest

from stream.handoff import Relay, StreamServer
from stream.hub import Hub
from stream.rights import Grant
from stream.sse import head, split

HEAD = head("200 OK", [("Content-Type", "text/event-stream; charset=utf-8")])


def read_until(sock: socket.socket, done, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while not done(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def figures_of(data: bytes) -> dict:
    _, _, body = data.partition(b"\r\n\r\n")
    events, _ = split(body)
    return next(json.loads(payload) for name, _, payload in events if name == "figures")


@pytest.fixture
def stream_process(store, tmp_path):
    """The stream process's side, in this process: its own hub and listening socket."""
    hub = Hub(store, coalesce=0.05).start()
    server = StreamServer(hub, str(tmp_path / "stream.sock"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    hub.stop()
    server.stop()


def test_a_handed_over_connection_gets_its_grants_figures_from_the_stream_process(stream_process, store, api):
    station = api.station()
    relay = Relay(stream_process.path, local=lambda: pytest.fail("the worker's own hub was not to be used"))
    worker_end, client = socket.socketpair()
    relay.hand_over(Grant(f"station:{station['id']}", "station", key="k"), worker_end, HEAD)
    assert worker_end.fileno() == -1  # the worker let go of its descriptor
    data = read_until(client, lambda d: b"event: figures" in d and d.endswith(b"\n\n"))
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert figures_of(data)["scope"] == f"station:{station['id']}"  # the grant's scope crossed with the socket
    assert stream_process.handed == 1
    client.close()
    relay.close()


def test_without_a_stream_process_the_worker_serves_the_stream_itself(store, tmp_path):
    hub = Hub(store, coalesce=0.05).start()
    try:
        relay = Relay(str(tmp_path / "nobody.sock"), local=lambda: hub)
        worker_end, client = socket.socketpair()
        relay.hand_over(Grant("platform", "admin"), worker_end, HEAD)
        data = read_until(client, lambda d: b"event: figures" in d and d.endswith(b"\n\n"))
        assert figures_of(data)["scope"] == "platform"
        client.close()
    finally:
        hub.stop()


def test_a_stream_process_that_cannot_hear_redis_answers_503_problem_json(store, tmp_path):
    deaf = Hub(store)  # never started: its subscriber has not heard Redis
    server = StreamServer(deaf, str(tmp_path / "stream.sock"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        worker_end, client = socket.socketpair()
        Relay(server.path, local=lambda: pytest.fail("not the worker's hub")).hand_over(
            Grant("platform", "admin"), worker_end, HEAD)
        data = read_until(client, lambda d: False)  # to the end: the connection is closed after the reply
        status, _, rest = data.partition(b"\r\n")
        assert status == b"HTTP/1.1 503 Service Unavailable"
        headers, _, body = rest.partition(b"\r\n\r\n")
        assert b"application/problem+json" in headers and b"Retry-After: 3" in headers
        assert json.loads(body)["status"] == 503
        assert json.loads(body)["title"] == "Service unavailable"  # the API's own 503 for a worker's hub
    finally:
        deaf.stopping.set()
        server.stop()


def test_a_relay_reconnects_to_a_restarted_stream_process(stream_process, store, tmp_path):
    relay = Relay(stream_process.path, local=lambda: pytest.fail("not the worker's hub"))
    first, client = socket.socketpair()
    relay.hand_over(Grant("platform", "admin"), first, HEAD)
    read_until(client, lambda d: b"event: figures" in d)
    client.close()
    stream_process.stop()  # the process goes; a new one listens at the same path
    again = StreamServer(stream_process.hub, stream_process.path)
    threading.Thread(target=again.serve_forever, daemon=True).start()
    try:
        second, client = socket.socketpair()
        relay.hand_over(Grant("platform", "admin"), second, HEAD)  # the old connection fails once, then a new one
        assert b"event: figures" in read_until(client, lambda d: b"event: figures" in d)
        assert again.handed == 1
        client.close()
    finally:
        again.stop()
        relay.close()
