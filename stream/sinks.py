"""Where one stream's bytes go. Both kinds are written from the hub's loop only.

- ``SocketSink``: the connection itself, adopted from the web server after the request was
  answered ``200`` (no thread is held: an idle stream is a socket and this small object).
- ``QueueSink``: a queue that a WSGI response iterates, for servers that cannot hand a
  socket over (the development server, tests' live server); that one holds a thread.
"""
from __future__ import annotations

import asyncio
import queue

MAX_BACKLOG = 256 * 1024  # bytes a client may leave unread before it is dropped (it reconnects)


class SocketSink(asyncio.Protocol):
    __slots__ = ("transport", "on_close", "closed")

    def __init__(self, on_close):
        self.transport: asyncio.Transport | None = None
        self.on_close = on_close
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        pass  # a stream's client has nothing more to say; pipelined bytes are ignored

    def eof_received(self):
        return False  # the client went away: close

    def connection_lost(self, exc) -> None:
        self.closed = True
        self.on_close()

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            return
        if self.transport.get_write_buffer_size() > MAX_BACKLOG:
            self.close()  # a client this far behind is stuck; it gets fresh figures when it reconnects
            return
        self.transport.write(data)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.closed = True
            self.transport.close()


class QueueSink:
    """``write`` puts bytes, ``close`` puts ``None``; the WSGI side reads with ``get``."""
    __slots__ = ("queue", "closed")

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.closed = False

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.queue.put(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put(None)

    def get(self, timeout: float):
        return self.queue.get(timeout=timeout)
