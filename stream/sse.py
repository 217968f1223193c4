"""Server-Sent Events on the wire (WHATWG HTML "Server-sent events"): one event is
``event:``, ``id:`` and one ``data:`` line of compact JSON, then a blank line."""
from __future__ import annotations

import orjson

HEARTBEAT = b": keep-alive\n\n"  # a comment line: proxies see traffic, EventSource ignores it
RETRY = b"retry: 3000\n\n"  # how long a browser's own EventSource waits before it reconnects
HEADERS = (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"),
           ("X-Accel-Buffering", "no"))  # nginx: pass each event on at once, buffer nothing


def event(name: str, event_id: str, data) -> bytes:
    """One event; ``data`` is JSON-encoded once, by the caller's fan-out, for every stream."""
    payload = data if isinstance(data, bytes) else orjson.dumps(data)
    return b"event: %s\nid: %s\ndata: %s\n\n" % (name.encode(), event_id.encode(), payload)


def head(status: str, headers) -> bytes:
    """The HTTP/1.1 response head of a stream served on an adopted socket: no length, no chunking,
    the body ends when the connection does."""
    lines = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in headers
                                       if name.lower() not in ("content-length", "connection",
                                                               "transfer-encoding")]
    return ("\r\n".join(lines + ["Connection: close", "", ""])).encode("latin-1")


def split(buffer: bytes) -> tuple[list[tuple[str, str, bytes]], bytes]:
    """Complete events in ``buffer`` as ``(name, id, data)`` (a comment is ``(":", "", text)``)
    and the incomplete rest: the reading side, for tests and bench/stream.py."""
    events = []
    *blocks, rest = buffer.split(b"\n\n")
    for block in blocks:
        name, event_id, data = "message", "", []
        for line in block.split(b"\n"):
            field, _, value = line.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if field == b"":
                name, data = ":", [value]
            elif field == b"event":
                name = value.decode()
            elif field == b"id":
                event_id = value.decode()
            elif field == b"data":
                data.append(value)
        if name != "message" or data:
            events.append((name, event_id, b"\n".join(data)))
    return events, rest
