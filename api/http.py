"""Request plumbing the API sets on the Flask app: HTTP limits, JSON bodies, sessions.

- Limits (API.md "Strict input"), each answered with problem+json:
  a body over 2 MiB is a 413 however it is sent: ``MAX_CONTENT_LENGTH`` makes werkzeug count
  the bytes as they are read, a chunked body's too, and stop at the limit; ``body_bytes`` reads
  them (an endpoint that takes more, an upload, raises ``request.max_content_length`` for itself). A request
  target over 4 KiB is a 414; a header line over 8 KiB, more than 100 headers or 32 KiB of them
  a 431. These are checked here, in the app, so they hold on any HTTP server; the server's own
  limits are set above them, and what it still refuses itself it answers with problem+json too
  (``commands/gunicorn_worker.py``).
- JSON bodies go through ``api.decoder`` (strict: duplicate keys and deep nesting are a 400),
  for the API's endpoints and for anything else that reads JSON (Dash's callbacks).
- A request without the session cookie (devices, drivers, stations: bearer tokens)
  gets a new empty session straight away; Flask would first build a signing
  serializer for each one. A cookie (the console, its CSV links) is read as before.
- Hooks and views are all plain functions: Flask asks ``inspect`` whether each
  one is a coroutine on every call (a tenth of a request that does nothing), so
  the answer is kept per function.
"""
from __future__ import annotations

import functools

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import RequestEntityTooLarge

from api.decoder import Rejected, decode
from api.errors import BadRequest, api_paths_only, problem
from config.http import MAX_BODY, MAX_HEADER_BYTES, MAX_HEADER_LINE, MAX_HEADERS, MAX_TARGET

_NOT_PREFIXED = ("CONTENT_TYPE", "CONTENT_LENGTH")  # headers WSGI keeps without the HTTP_ prefix


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # UTF-8 out, as API.md says: names stay readable

    def loads(self, s, **kwargs):
        return decode(s)  # Rejected is a ValueError: Flask's get_json answers it with a 400


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask returns without a cookie, minus the serializer
        return super().open_session(app, request)


def body_bytes() -> bytes:
    """The body, counted as it arrives: 413 past 2 MiB, declared or not (chunked)."""
    try:
        data = request.get_data(cache=True)  # werkzeug stops reading at MAX_CONTENT_LENGTH
    except RequestEntityTooLarge:  # a Content-Length over it: nothing was read
        data = None
    if data is None or len(data) > MAX_BODY:
        raise BadRequest("The body is larger than 2 MiB", status=413, title="Payload too large")
    return data


def json_body():
    """The request's JSON value: 415 for another content type, 413 past 2 MiB, 400 when it is not JSON."""
    if not request.is_json:
        raise BadRequest("Send the body as JSON with `Content-Type: application/json`", status=415,
                         title="Unsupported media type")
    try:
        return decode(body_bytes())
    except Rejected as exc:
        raise BadRequest(str(exc), title="Malformed JSON") from None


def over_limits(environ) -> tuple[int, str, str] | None:
    """(status, title, detail) when the request line or headers pass the limits, else None."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    length = len(target) if target is not None else \
        len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1
    if length > MAX_TARGET:
        return 414, "URI too long", f"The request target is longer than {MAX_TARGET} bytes"
    count = total = 0
    for name, value in environ.items():
        if name.startswith("HTTP_") or name in _NOT_PREFIXED:
            line = len(name) + len(value) + 2  # "Name: value" (the HTTP_ prefix stands in for ": " and CRLF)
            count += 1
            total += line
            if line > MAX_HEADER_LINE:
                return 431, "Request header fields too large", f"A header line is longer than {MAX_HEADER_LINE} bytes"
    if count > MAX_HEADERS or total > MAX_HEADER_BYTES:
        return 431, "Request header fields too large", (
            f"At most {MAX_HEADERS} header lines and {MAX_HEADER_BYTES} bytes of them")
    return None


def init_app(app: Flask) -> None:
    app.ensure_sync = functools.cache(app.ensure_sync)
    app.json = JSONProvider(app)
    app.session_interface = SessionInterface()
    # One byte more than the limit: werkzeug stops at this many without a word, and a body that
    # reached it is one that was longer than the limit (body_bytes tells).
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY + 1

    @app.before_request
    def _gate():
        refused = over_limits(request.environ)
        if refused is not None:
            return problem(*refused)
        return api_paths_only() if request.path.startswith("/api/") else None
