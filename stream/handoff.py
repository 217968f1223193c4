"""Streams served by a process of their own: a web worker grants a stream and passes the
connection's file descriptor to the stream process over a Unix socket (``SCM_RIGHTS``).

Why a process of its own rather than a hub in every worker (bench/stream.py measures both):
the hub's loop then shares no interpreter lock with requests in flight, a window's figures are
computed once per scope for the host instead of once per worker, and recycling or restarting
the web workers (``web_max_requests``, a reload) leaves every open stream alone. The worker
still checks the rights (the same code as the queries) and the client keeps one origin: the
connection it opened to the web port is the one the stream process writes to.

One hand-off is one ``SOCK_SEQPACKET`` message: the grant and the response head as JSON, and
the descriptor. ``Relay`` is the worker's side (one connection per worker, reopened when the
stream process restarts); when no stream process answers, the stream is served by the
worker's own hub instead, so a stream is never refused for want of the process.
``StreamServer`` is the stream process's side: each message becomes a stream of its ``Hub``,
or a ``503`` when the hub cannot hear Redis.
"""
from __future__ import annotations

import logging
import os
import socket
import threading

import orjson

from config.http import problem_reply
from stream import rights
from stream.hub import DEAF, hub_for

log = logging.getLogger(__name__)
MAX_MESSAGE = 64 * 1024  # a grant and a response head
BACKLOG = 64


def _message(grant: rights.Grant, head: bytes) -> bytes:
    return orjson.dumps({"grant": [grant.scope, grant.kind, grant.key, grant.user, grant.until],
                         "head": head.decode("latin-1")})


def _parse(data: bytes) -> tuple[rights.Grant, bytes]:
    message = orjson.loads(data)
    scope, kind, key, user, until = message["grant"]
    return rights.Grant(scope, kind, key, tuple(user) if user is not None else None, until), \
        message["head"].encode("latin-1")


class Relay:
    """The worker's side: ``hand_over(grant, sock, head)`` passes the stream on (or serves it here)."""

    def __init__(self, path: str, local):
        self.path, self.local = path, local  # local(): this process's hub, for when no stream process answers
        self.lock = threading.Lock()
        self.conn: socket.socket | None = None

    def hand_over(self, grant: rights.Grant, sock: socket.socket, head: bytes) -> None:
        message = _message(grant, head)
        with self.lock:
            for _ in range(2):  # a connection left from a stream process that has restarted fails once
                try:
                    if self.conn is None:
                        self.conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                        self.conn.connect(self.path)
                    socket.send_fds(self.conn, [message], [sock.fileno()])
                except OSError:
                    self._drop()
                    continue
                sock.close()  # the stream process holds its own descriptor of the connection now
                return
        log.warning("live stream: no stream process at %s; serving this stream from the worker", self.path)
        self.local().adopt(grant, sock, head)

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        with self.lock:
            self._drop()


def relay_for(store) -> Relay | None:
    """This process's relay to the stream process (``stream_socket``), or None without one."""
    path = store.settings.stream_socket
    if path is None:
        return None
    if store.stream_relay is None:
        store.stream_relay = Relay(str(path), lambda: hub_for(store))
        store.on_close(store.stream_relay.close)
    return store.stream_relay


def process_state(store) -> str:
    """For /readyz: ``process`` (the stream process takes hand-offs), ``down`` (configured but not
    answering: each worker serves its own streams meanwhile) or ``workers`` (none configured)."""
    path = store.settings.stream_socket
    if path is None:
        return "workers"
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
        return "process"
    except OSError:
        return "down"
    finally:
        probe.close()


# The same document as the API's own 503 for a worker's hub (api/stream.py, api.errors.Unavailable).
REFUSED = problem_reply(503, "Service Unavailable", DEAF, title="Service unavailable", headers=[("Retry-After", "3")])


class StreamServer:
    """The stream process's side: a listening Unix socket at ``path``, a thread per web worker."""

    def __init__(self, hub, path: str):
        self.hub, self.path = hub, path
        if os.path.exists(path):
            os.unlink(path)  # left by a process that died; a live one would have its own path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(path)
        os.chmod(path, 0o600)  # only this user's workers may hand streams over
        self.listener.listen(BACKLOG)
        self.handed = 0
        self.workers: set[socket.socket] = set()  # one connection per web worker

    def serve_forever(self) -> None:
        while not self.hub.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed by stop()
                return
            threading.Thread(target=self._worker, args=(conn,), name="stream-handoff", daemon=True).start()

    def _worker(self, conn: socket.socket) -> None:
        self.workers.add(conn)
        try:
            while True:
                data, fds, _, _ = socket.recv_fds(conn, MAX_MESSAGE, 1)
                if not data:  # the worker went away
                    for fd in fds:
                        os.close(fd)
                    return
                for fd in fds:
                    self._take(data, socket.socket(fileno=fd))
        except OSError:
            return
        finally:
            self.workers.discard(conn)
            conn.close()

    def _take(self, data: bytes, sock: socket.socket) -> None:
        try:
            grant, head = _parse(data)
        except (ValueError, KeyError, TypeError):
            log.warning("live stream: a hand-off that is not one; connection closed")
            sock.close()
            return
        if not self.hub.available:
            try:
                sock.sendall(REFUSED)
            except OSError:
                pass
            sock.close()
            return
        self.handed += 1
        self.hub.adopt(grant, sock, head)

    def stop(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for conn in list(self.workers):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass
