"""gunicorn's gthread worker, with a new connection that has sent nothing yet kept off the threads.

gunicorn 27's gthread hands each accepted connection to a thread that waits up to
5 s for the request's first bytes. As many silent connections as a worker has
threads (a client pool opening ahead, a proxy's spare connections, a port scan)
then stop that worker for 5 s: measured here, one worker with 4 threads answered
``/healthz`` in 4.8 s instead of 4 ms while 4 idle connections were open. Here a
new connection with no bytes waiting goes straight to the worker's poller, the way
gunicorn itself parks one after its wait, and takes a thread when its request comes.
"""
from __future__ import annotations

from concurrent.futures import Future

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    def enqueue_req(self, conn):
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(0):
            parked: Future = Future()
            parked.set_result(gthread._DEFER)  # gunicorn's own "no data yet": onto the poller until readable
            self.finish_request(conn, parked)
            return
        super().enqueue_req(conn)
