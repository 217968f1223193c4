"""HTTP facts every layer shares: the request limits of API.md "Strict input" and the
problem+json document (RFC 9457).

``api`` enforces the limits in the app, whatever the server; the server's own limits are set
above them (``commands/gunicorn_conf.py``) so that the app's answer is the one a client gets,
and what the server still refuses itself it answers with the same document
(``commands/gunicorn_worker.py``).
"""
from __future__ import annotations

import json

MAX_BODY = 2 * 1024 * 1024  # 413 past it, however the body is sent
MAX_TARGET = 4 * 1024  # 414: the request target (path and query) as sent
MAX_HEADER_LINE = 8 * 1024  # 431: one header line,
MAX_HEADERS = 100  # or more header lines than this,
MAX_HEADER_BYTES = 32 * 1024  # or more bytes of them than this

PROBLEM = "application/problem+json"
TYPE_BASE = "https://buyfree.example/problems/"


def problem_text(status: int, title: str, detail: str | None = None, errors=None, type_: str | None = None) -> str:
    """The problem+json document of an error."""
    body = {"type": type_ or TYPE_BASE + title.lower().replace(" ", "-"), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return json.dumps(body)


def problem_reply(status: int, reason: str, detail: str | None = None, title: str | None = None,
                  headers=()) -> bytes:
    """A whole HTTP/1.1 reply carrying the problem document, then the connection's end: for code
    that answers on a socket itself (the server's own refusals, the stream process's)."""
    body = problem_text(status, title or reason, detail).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n").encode("latin-1") + body
