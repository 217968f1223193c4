"""What the write endpoints share: the ``Idempotency-Key`` header, replies that replay
byte for byte (API.md "Idempotency"), acting for a device or driver, and handing
committed events to the live figures."""
from __future__ import annotations

from flask import Response, request

from api.errors import Forbidden, Unprocessable
from api.routing import require_headers
from ingest.idempotency import FIELD, valid_key
from store import get_store

HEADERS = (FIELD,)


def idempotency_key() -> str:
    """The caller's key: 400 when missing, 422 when not 1–255 printable ASCII characters."""
    require_headers((FIELD,))
    key = request.headers[FIELD]
    if not valid_key(key):
        raise Unprocessable.field(FIELD, "must be 1–255 printable ASCII characters")
    return key


def reply(outcome, events) -> Response:
    """The stored response text as it is; replays carry ``Idempotent-Replayed: true``."""
    committed(events)
    response = Response(outcome.body, status=outcome.status, mimetype="application/json")
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def committed(events) -> None:
    """Hand the events a use case just committed to their followers (the live figures; never raises)."""
    get_store().committed.publish(events)


def acting_for(principal, kind: str, named_id: int | None) -> int:
    """A device or driver token acts for itself only; an admin names the owner in the body."""
    if principal.kind == kind:
        if named_id is not None and named_id != principal.id:
            raise Forbidden(f"A {kind} token acts for its own {kind} only")
        return principal.id
    if named_id is None:
        raise Unprocessable.field(f"{kind}_id", "is required with an admin token")
    return named_id
