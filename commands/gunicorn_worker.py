"""gunicorn's gthread worker, with two kinds of connection kept off the threads; and ``EpollWorker``,
the same without gthread's hand-off of each request from its loop to a pool thread (the default).

1. A new connection that has sent nothing yet. gunicorn 27's gthread hands each
   accepted connection to a thread that waits up to 5 s for the request's first bytes.
   As many silent connections as a worker has threads (a client pool opening ahead, a
   proxy's spare connections, a port scan) then stop that worker for 5 s: measured
   here, one worker with 4 threads answered ``/healthz`` in 4.8 s instead of 4 ms while
   4 idle connections were open. Here a new connection with no bytes waiting goes
   straight to the worker's poller, the way gunicorn itself parks one after its wait,
   and takes a thread when its request comes.
2. A live stream (``GET /api/v1/stream``). The app checks the request's rights in a
   thread as usual; when it grants the stream it leaves ``environ["buyfree.stream.accept"]``
   and this worker hands the socket to it (the process's ``stream.Hub``, an asyncio
   loop) and forgets the connection: the thread is free at once, however long the
   stream lasts. Refusals (401, 403, 503...) are answered like any response.

What gunicorn refuses before the app sees it (a request line or header past its own
limits, which sit above the app's, a malformed request) it answers with a small HTML
page; API.md wants problem+json for every error, so that reply is rewritten.
"""
from __future__ import annotations

import errno
import re
import select
import threading
import time
from concurrent.futures import Future

from gunicorn.http import wsgi
from gunicorn.workers import gthread

from config.http import problem_reply

STREAM_PATH = "/api/v1/stream"
HANDOFF, ACCEPT = "buyfree.stream.handoff", "buyfree.stream.accept"
_HANDED = object()  # handle()'s result for a connection the stream hub now owns
_STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)\r\n")
DETAILS = {400: "The HTTP request is malformed", 414: "The request line is too long",
           431: "The request's header fields are too large", 500: "The request failed; it was logged"}


class ThreadWorker(gthread.ThreadWorker):
    def enqueue_req(self, conn):
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(0):
            parked: Future = Future()
            parked.set_result(gthread._DEFER)  # gunicorn's own "no data yet": onto the poller until readable
            self.finish_request(conn, parked)
            return
        super().enqueue_req(conn)

    def handle_request(self, req, conn):
        if req.path != STREAM_PATH or req.method != "GET" or self.cfg.is_ssl:
            return super().handle_request(req, conn)
        resp, environ = wsgi.create(req, conn.sock, conn.client, conn.server, self.cfg)
        environ[HANDOFF] = True
        answer: list = []
        body = self.wsgi(environ, lambda status, headers, exc_info=None: answer.extend((status, headers)))
        try:
            rest = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        accept = environ.get(ACCEPT)
        if accept is not None:
            from stream.sse import head

            self._release(conn)
            accept(conn.sock, head(*answer))
            return _HANDED
        resp.force_close()  # a refused stream: answered, then closed like any one-off reply
        resp.start_response(*answer)
        resp.write(rest)
        resp.close()
        return False

    def _release(self, conn) -> None:
        """The connection leaves this worker (a stream's hand-off): gthread holds nothing of it then."""

    def _keepalive_after(self, conn, keepalive):
        return _HANDED if keepalive is _HANDED else super()._keepalive_after(conn, keepalive)

    def finish_request(self, conn, fs):
        if not fs.cancelled() and fs.exception() is None and fs.result() is _HANDED:
            self.nr_conns -= 1  # the hub closes the socket when the stream ends
            return
        super().finish_request(conn, fs)

    def handle_error(self, req, client, addr, exc):
        super().handle_error(req, ProblemSocket(client), addr, exc)


def _readable(sock) -> bool:
    """Bytes are waiting (poll, not select: a busy worker's descriptors pass select's 1024)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class ProblemSocket:
    """The client's socket, through which gunicorn's error page leaves as problem+json."""

    def __init__(self, sock):
        self._sock = sock

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        match = _STATUS.match(data)
        if match is None:
            return self._sock.sendall(data)
        status = int(match[1])
        self._sock.sendall(problem_reply(status, match[2].decode("latin-1"), DETAILS.get(status)))


class EpollWorker(ThreadWorker):
    """The same worker with the hand-off to the thread pool taken out (leader/followers).

    gthread's main loop waits on the poller and hands each readable connection to a pool
    thread through a queue. On this project's 2-core virtual machine a wake-up of another
    thread costs tens of microseconds of CPU, and that hand-off is several: the queue's
    (which also wakes a second, idle thread for nothing: CPython's SimpleQueue), the GIL
    passing back and forth with the main loop, and the main loop's own. Here every serving
    thread waits on the worker's epoll itself, each connection registered one-shot: the
    kernel wakes one thread per readable connection, and that thread reads and answers the
    request and re-arms the connection. The main thread only beats the heartbeat, closes
    idle connections past their keep-alive and leads the graceful stop.

    A connection belongs to whoever takes it out of ``idle`` (under ``lock``): a serving
    thread woken for it, or the main thread closing it for its age. New connections wait
    in ``idle`` for their first bytes like kept-alive ones, holding no thread.
    """

    def init_process(self):
        self.epoll = select.epoll()
        self.lock = threading.Lock()
        self.conns: dict[int, gthread.TConn] = {}  # fd -> connection, idle or being served
        self.idle: dict[int, float] = {}  # fd -> when it is closed if still idle
        self.keepalived_conns = self.idle  # gthread's handle_request counts them (max_keepalived)
        self.listeners = {listener.fileno(): listener for listener in self.sockets}
        self.serving = True  # the threads' loop; ends after the graceful stop
        super().init_process()

    def run(self):
        for fd, listener in self.listeners.items():
            listener.setblocking(False)
            self.epoll.register(fd, select.EPOLLIN | select.EPOLLONESHOT)
        threads = [threading.Thread(target=self._serve_loop, name=f"web-{n}", daemon=True)
                   for n in range(self.cfg.threads)]
        for thread in threads:
            thread.start()
        while self.alive:
            self.notify()
            if not self.is_parent_alive():
                self.alive = False
                break
            self._close_idle(time.monotonic())
            time.sleep(1.0)
        self._stop()

    def _stop(self) -> None:
        """Stop accepting; requests in flight finish (and kept-alive ones arriving meanwhile are
        answered with ``Connection: close``) for up to ``graceful_timeout``."""
        for fd in self.listeners:
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):
                pass
        linger = time.monotonic() + gthread.STOP_KEEPALIVE_LINGER
        with self.lock:
            for fd, deadline in self.idle.items():
                self.idle[fd] = min(deadline, linger)
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while self.conns and time.monotonic() < deadline:
            self.notify()
            self._close_idle(time.monotonic())
            time.sleep(0.05)
        self.serving = False
        self._close_idle(float("inf"))
        for listener in self.listeners.values():
            listener.close()

    def _close_idle(self, now: float) -> None:
        with self.lock:
            expired = [fd for fd, deadline in self.idle.items() if deadline <= now]
            for fd in expired:
                del self.idle[fd]
        for fd in expired:
            self._drop(fd)

    def _drop(self, fd: int, graceful: bool = False) -> None:
        """Close a connection; ``graceful`` after a reply: FIN first, then what the client still sends
        is drained, so that the kernel does not reset the connection over unread bytes (a refused
        request's rest) before the client has read the reply."""
        conn = self.conns.pop(fd, None)
        try:
            self.epoll.unregister(fd)
        except (OSError, ValueError):
            pass
        if conn is not None:
            conn.close(graceful=graceful)
        self._rearm_accept()

    def _serve_loop(self) -> None:
        while self.serving:
            try:
                events = self.epoll.poll(2.0, 1)  # one event a wake-up: the next is another thread's
            except OSError:  # closed at the very end of a stop
                return
            for fd, _ in events:
                try:
                    self._on_ready(fd)
                except Exception:  # the thread must outlive any one connection
                    self.log.exception("serving connection %s failed", fd)

    def _on_ready(self, fd: int) -> None:
        if fd in self.listeners:
            self._accept(self.listeners[fd])
            return
        with self.lock:
            mine = self.idle.pop(fd, None) is not None
        if not mine:
            return
        conn = self.conns[fd]
        if not conn.initialized and not _readable(conn.sock):
            # woken for a connection closed for its age meanwhile, whose number a new one took
            self._park(fd, conn, registered=True)
            return
        self._serve(fd, conn)

    def _accept(self, listener) -> None:
        try:
            sock, addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                self.log.exception("accept failed")
            sock = None
        self._rearm_accept()
        if sock is None:
            return
        conn = gthread.TConn(self.cfg, sock, addr, listener.getsockname())
        conn.data_ready = True  # its thread is woken only once its bytes are there
        self._park(sock.fileno(), conn)

    def _rearm_accept(self) -> None:
        if not self.alive or len(self.conns) >= self.worker_connections:
            return  # at the limit: new connections wait in the backlog until one closes
        for fd in self.listeners:
            try:
                self.epoll.modify(fd, select.EPOLLIN | select.EPOLLONESHOT)
            except (OSError, ValueError):
                pass

    def _park(self, fd: int, conn, registered: bool = False) -> None:
        """Idle until readable (or its keep-alive ends), holding no thread."""
        self.conns[fd] = conn
        conn.set_timeout()
        with self.lock:
            self.idle[fd] = conn.timeout if self.alive else min(
                conn.timeout, time.monotonic() + gthread.STOP_KEEPALIVE_LINGER)
        if registered:  # one-shot: disarmed since it woke a thread
            self.epoll.modify(fd, select.EPOLLIN | select.EPOLLONESHOT)
        else:
            self.epoll.register(fd, select.EPOLLIN | select.EPOLLONESHOT)

    def _release(self, conn) -> None:
        fd = conn.sock.fileno()
        self.conns.pop(fd, None)
        self.epoll.unregister(fd)  # before the socket closes here: its number may be taken again at once

    def _serve(self, fd: int, conn) -> None:
        while True:
            try:
                result = self.handle(conn)
            except Exception:  # handle() answers what it can; whatever escapes ends the connection
                self.log.exception("serving a connection failed")
                result = False
            if result is _HANDED:  # the stream hub owns the socket now (``_release``)
                self._rearm_accept()
                return
            if result is True and conn.parser.unreader.buf.getvalue():
                continue  # the next request was read ahead with this one's body
            if result is True:
                self._park(fd, conn, registered=True)
            else:
                self._drop(fd, graceful=True)
            return
