"""Request plumbing the API sets on the Flask app: JSON parsing and sessions.

- Bodies are parsed with orjson (a batch of 500 purchases spent a tenth of its
  CPU in the standard library's decoder). What orjson refuses is handed to the
  standard decoder, so the API accepts and rejects exactly what it did before
  (integers beyond 64 bits still reach validation and get a 422 naming the field).
- A request without the session cookie (devices, drivers, stations: bearer tokens)
  gets a new empty session straight away; Flask would first build a signing
  serializer for each one. A cookie (the console, its CSV links) is read as before.
- Hooks and views are all plain functions: Flask asks ``inspect`` whether each
  one is a coroutine on every call (a tenth of a request that does nothing), so
  the answer is kept per function.
"""
from __future__ import annotations

import functools

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # UTF-8 out, as API.md says: names stay readable

    def loads(self, s, **kwargs):
        if not kwargs:
            try:
                return orjson.loads(s)
            except orjson.JSONDecodeError:
                pass  # the standard decoder decides (and words the error)
        return super().loads(s, **kwargs)


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask returns without a cookie, minus the serializer
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.ensure_sync = functools.cache(app.ensure_sync)
    app.json = JSONProvider(app)
    app.session_interface = SessionInterface()
