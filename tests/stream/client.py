"""A Server-Sent Events client on a plain socket (what a browser's EventSource reads), for tests."""
from __future__ import annotations

import json
import queue
import socket
import threading
import time
from urllib.parse import urlsplit

from stream.sse import split


class SseClient:
    """``SseClient(base, "/api/v1/stream?...", headers)``: ``status``, then ``next()`` events
    ``(name, id, data)`` with ``data`` parsed as JSON; ``ended()`` once the server closed."""

    def __init__(self, base: str, path: str, headers: dict | None = None, timeout: float = 10.0):
        url = urlsplit(base)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=timeout)
        head = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "Accept: text/event-stream"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            raw += chunk
        head_text, _, self._rest = raw.partition(b"\r\n\r\n")
        lines = head_text.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.received: list[tuple] = []
        self._open = True
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def body(self) -> dict:
        """A refusal's problem+json body (read to the end of the reply)."""
        length = int(self.headers.get("content-length", 0))
        while len(self._rest) < length:
            self._rest += self.sock.recv(65536)
        return json.loads(self._rest[:length])

    def _read(self) -> None:
        chunked = self.headers.get("transfer-encoding") == "chunked"  # the development server's way
        raw, buffer = self._rest, b""
        try:
            while True:
                if chunked:
                    body, raw, done = _dechunk(raw)
                    buffer += body
                else:
                    buffer, raw, done = buffer + raw, b"", False
                events, buffer = split(buffer)
                for name, event_id, data in events:
                    self.events.put((name, event_id, json.loads(data) if name != ":" else data.decode()))
                chunk = b"" if done else self.sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
        except OSError:
            pass
        self.events.put(None)

    def next(self, timeout: float = 10.0):
        """The next event (comments included as ``":"``), or None when the stream ended."""
        if not self._open:
            return None
        item = self.events.get(timeout=timeout)
        if item is None:
            self._open = False
        else:
            self.received.append(item)
        return item

    def wait_for(self, test, timeout: float = 10.0, what: str = "an event"):
        """The first event for which ``test(name, data)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                item = self.next(timeout=max(0.01, left))
            except queue.Empty:
                item = False
            if item is None:
                raise AssertionError(f"the stream ended before {what}")
            if item and test(item[0], item[2]):
                return item
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s; received {[e[0] for e in self.received]}")

    def ended(self, timeout: float) -> bool:
        """True when the server closes the stream within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.next(timeout=max(0.01, deadline - time.monotonic())) is None:
                    return True
            except queue.Empty:
                return False
        return not self._open

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _dechunk(raw: bytes) -> tuple[bytes, bytes, bool]:
    """(the body in the complete chunks of ``raw``, the rest, whether the last chunk came)."""
    body = b""
    while True:
        size_line, sep, rest = raw.partition(b"\r\n")
        if not sep:
            return body, raw, False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return body, b"", True
        if len(rest) < size + 2:
            return body, raw, False
        body, raw = body + rest[:size], rest[size + 2:]
