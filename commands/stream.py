"""``python app.py stream``: the live streams' process (stream/handoff.py says why one of its own).

The web server starts it beside its workers (``start_beside``, from gunicorn's ``on_starting``:
``python app.py serve``, ``make demo`` and the image's plain gunicorn alike) and restarts it if
it dies; the workers find it by ``BUYFREE_STREAM_SOCKET``. It holds no HTTP port: the web
workers check each stream's rights and pass the connection over, so the client keeps one origin.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

log = logging.getLogger("buyfree.stream")
APP_PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")


def add_arguments(parser) -> None:
    parser.add_argument("--socket", default=None, help="Unix socket to listen on (default BUYFREE_STREAM_SOCKET)")


def run(args) -> int:
    from config import load_settings
    from config.embedded import ensure_servers
    from store import Store
    from stream.handoff import StreamServer
    from stream.hub import Hub

    settings = ensure_servers(load_settings())
    path = args.socket or (str(settings.stream_socket) if settings.stream_socket else None)
    if not path:
        print("say where to listen: --socket PATH or BUYFREE_STREAM_SOCKET")
        return 2
    store = Store.from_settings(settings)
    hub = Hub(store).start()
    server = StreamServer(hub, path)

    def stop(*_):
        hub.stop()
        server.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("live streams served at %s", path)
    try:
        server.serve_forever()
    finally:
        stop()
        store.close()
    return 0


class Beside:
    """The stream process of one web server: started, watched (restarted if it dies), stopped."""

    def __init__(self, path: str):
        self.path = path
        self.proc: subprocess.Popen | None = None
        self.stopping = threading.Event()

    def start(self, wait: float = 30.0) -> "Beside":
        self._spawn()
        deadline = time.monotonic() + wait
        while not os.path.exists(self.path) and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.05)
        if not os.path.exists(self.path):
            log.warning("the stream process did not start; each worker serves its own streams")
        threading.Thread(target=self._watch, name="stream-process-watch", daemon=True).start()
        return self

    def _spawn(self) -> None:
        self.proc = subprocess.Popen([sys.executable, APP_PY, "stream", "--socket", self.path])

    def _watch(self) -> None:
        # gunicorn's arbiter reaps every child it has, ours too: poll() then reads 0, and either way
        # a stream process that is gone is started again (its streams' screens reconnect).
        while not self.stopping.wait(1.0):
            if self.proc.poll() is not None and not self.stopping.is_set():
                log.warning("the stream process ended (%s); starting it again", self.proc.returncode)
                self._spawn()

    def stop(self) -> None:
        self.stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_beside(settings) -> Beside | None:
    """In the arbiter, before any worker: the stream process, and its socket in the workers' settings."""
    if not settings.stream_process:
        return None
    path = str(settings.stream_socket) if settings.stream_socket else \
        os.path.join(tempfile.mkdtemp(prefix="buyfree-stream-"), "stream.sock")
    os.environ["BUYFREE_STREAM_SOCKET"] = path  # the workers fork from here and read it with their settings
    return Beside(path).start()
