"""gunicorn's gthread worker, with two kinds of connection kept off the threads.

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

import re
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

            accept(conn.sock, head(*answer))
            return _HANDED
        resp.force_close()  # a refused stream: answered, then closed like any one-off reply
        resp.start_response(*answer)
        resp.write(rest)
        resp.close()
        return False

    def _keepalive_after(self, conn, keepalive):
        return _HANDED if keepalive is _HANDED else super()._keepalive_after(conn, keepalive)

    def finish_request(self, conn, fs):
        if not fs.cancelled() and fs.exception() is None and fs.result() is _HANDED:
            self.nr_conns -= 1  # the hub closes the socket when the stream ends
            return
        super().finish_request(conn, fs)

    def handle_error(self, req, client, addr, exc):
        super().handle_error(req, ProblemSocket(client), addr, exc)


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
