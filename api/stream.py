"""``GET /api/v1/stream`` (API.md "Live stream"): Server-Sent Events for live screens.

Who may watch what: the same read rights as the queries. A bearer token (an admin
any scope, a station token its own station; drivers and devices nothing), a kiosk
link's token as ``?kiosk=`` (its own scope only), or the console's session (an admin
any scope, a manager their station). Without ``scope`` a stream shows what its
credential is for.

Serving: where a stream process runs (``BUYFREE_STREAM_SOCKET``, set by the web server that
started it) a granted stream's connection is passed to it (``stream.handoff``). Otherwise a
server that can take the connection over (``environ["buyfree.stream.handoff"]``,
set by ``commands.gunicorn_worker``) is handed an ``accept(sock, head)`` callable in
``environ["buyfree.stream.accept"]`` and serves the stream from the hub's loop, holding
no thread. Any other WSGI server gets a streaming body that holds one thread per
stream (the development server, tests' live server).
"""
from __future__ import annotations

import queue
import time
from functools import partial

from flask import Blueprint, Response, current_app, request, session
from pydantic import Field

from api import auth
from api.errors import Forbidden, NotFound, Unauthorized, Unavailable
from api.queries import readable_scope
from api.routing import endpoint
from api.schemas.common import ID_DIGITS, Query, Text
from store import get_store, request_session
from store.models import Station
from store.tokens import hash_token
from stream import hub_for, relay_for, rights, sse
from stream.hub import DEAF

bp = Blueprint("stream", __name__, url_prefix="/api/v1")
HANDOFF, ACCEPT = "buyfree.stream.handoff", "buyfree.stream.accept"


class StreamQuery(Query):
    scope: str | None = Field(None, pattern=f"^(platform|station:{ID_DIGITS})$",
                              description="platform or station:<id> (default: what the credential is for)")
    kiosk: Text | None = Field(None, min_length=1, max_length=200, description="A kiosk link's token")


EVENT = {"type": "object", "required": ["event", "data"], "properties": {  # one event as the stream writes it
    "event": {"enum": ["figures", "sale", "drivers", "alert"]}, "id": {"type": "string"},
    "data": {"type": "string", "description": "compact JSON: the query's own shape for figures and drivers"}}}


@endpoint(bp, "/stream", auth=None, query=StreamQuery, responses={200: ("text/event-stream", EVENT)},
          errors=(401, 403, 404))
def stream(query: StreamQuery):
    """Live figures as Server-Sent Events: figures, sale, drivers, alert (a bearer token, ?kiosk= or the session)."""
    grant = _grant(query)
    headers = dict(sse.HEADERS)
    relay = relay_for(get_store())
    if relay is not None and (request.method == "HEAD" or request.environ.get(HANDOFF)):
        if request.method != "HEAD":  # the stream process answers 503 itself when it cannot hear Redis
            request.environ[ACCEPT] = partial(relay.hand_over, grant)
        return Response(status=200, headers=headers)
    hub = hub_for(get_store())
    if not hub.available:
        raise Unavailable(DEAF, headers={"Retry-After": "3"})
    if request.method == "HEAD":
        return Response(status=200, headers=headers)
    if request.environ.get(HANDOFF):
        request.environ[ACCEPT] = partial(hub.adopt, grant)
        return Response(status=200, headers=headers)
    return Response(_queued(hub, grant), status=200, headers=headers, direct_passthrough=True)


def _queued(hub, grant):
    """The stream as a WSGI body (a thread per stream): what the hub writes, heartbeats included."""
    stream, sink = hub.open_queue(grant)
    try:
        yield sse.RETRY
        while True:
            try:
                chunk = sink.get(timeout=hub.heartbeat * 2)
            except queue.Empty:
                chunk = sse.HEARTBEAT
            if chunk is None:
                return
            yield chunk
    finally:
        hub.close(stream)


def _grant(query: StreamQuery) -> rights.Grant:
    if query.kiosk is not None:
        return _kiosk(query.kiosk, query.scope)
    if request.headers.get("Authorization"):
        principal = auth.authenticate(auth.ANY)
        if principal.kind in ("driver", "device"):
            raise Forbidden(f"A {principal.kind} token may not watch a live screen")
        scope = query.scope or ("platform" if principal.is_admin() else f"station:{principal.id}")
        readable_scope(principal, scope)  # 403 / 404 as the queries answer them
        if principal.is_admin():
            return rights.Grant(scope, "admin")
        token = request.headers["Authorization"].partition(" ")[2].strip()
        return rights.Grant(scope, "station", key=hash_token(token))
    return _console(query.scope)


def _kiosk(token: str, scope: str | None) -> rights.Grant:
    found, station_id = rights.kiosk_station(get_store(), hash_token(token))
    if not found:
        raise Unauthorized("This kiosk link is unknown or has been revoked")
    own = "platform" if station_id is None else f"station:{station_id}"
    if scope not in (None, own):
        raise Forbidden(f"This kiosk link shows {own} only")
    return rights.Grant(own, "kiosk", key=hash_token(token))


def _console(scope: str | None) -> rights.Grant:
    user = _session_user()
    if user is None:
        raise Unauthorized("Send `Authorization: Bearer <token>`, a kiosk link's `?kiosk=`, or sign in",
                           headers={"WWW-Authenticate": "Bearer"})
    if user.role == "admin":
        scope = scope or "platform"
    elif user.station_id is None:
        raise Forbidden("This account has no station")
    elif scope not in (None, f"station:{user.station_id}"):
        raise Forbidden(f"You may watch station {user.station_id} only")
    else:
        scope = f"station:{user.station_id}"
    if scope != "platform" and request_session().get(Station, int(scope.split(":")[1])) is None:
        raise NotFound(f"{scope} does not exist", errors=[{"field": "scope", "message": "no such station"}])
    if rights.signed_out(get_store(), session.get("sid") or ""):
        raise Unauthorized("This session has signed out; sign in again")
    signed_in_at = session.get("signed_in_at", 0)
    until = signed_in_at + get_store().settings.session_hours * 3600
    return rights.Grant(scope, "session", key=session.get("sid") or "", user=(user.id, user.role, user.station_id),
                        until=until if until > time.time() else time.time())


def _session_user():
    """The console's signed-in user, when the dashboard (and its sign-in) is mounted."""
    if getattr(current_app, "login_manager", None) is None:
        return None
    from flask_login import current_user

    user = current_user._get_current_object()
    return user if getattr(user, "is_authenticated", False) and hasattr(user, "station_id") else None
