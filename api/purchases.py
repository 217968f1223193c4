"""API.md "Ingest", device side: heartbeat, purchases (single and batch), ad plays."""
from __future__ import annotations

import orjson
from flask import Blueprint, current_app, g, request
from pydantic import ValidationError

from analytics import queries
from api import metrics
from api.errors import from_validation
from api.routing import endpoint
from api.schemas.ingest import (AcceptedOut, AdPlaysIn, BatchEntryIn, BatchIn, BatchOut, HeartbeatIn, HeartbeatOut,
                                PurchaseFields, PurchaseIn, PurchaseOut)
from api.writes import HEADERS, acting_for, committed, idempotency_key, reply
from ingest import ad_plays, devices, purchases
from ingest.group import Group
from ingest.idempotency import FIELD
from store import get_store

bp = Blueprint("purchases", __name__, url_prefix="/api/v1")
DEVICE = ("device", "admin")
GROUP = "buyfree.purchase_group"


def purchase_request(body: PurchaseFields, key: str, prefix: str = "", **who) -> purchases.PurchaseRequest:
    location = body.location
    return purchases.PurchaseRequest(
        key=key, occurred_at=body.occurred_at, items=tuple((i.sku, i.quantity) for i in body.items),
        payment_method=body.payment.method, payment_reference=body.payment.reference,
        lat=location.lat if location else None, lng=location.lng if location else None, field_prefix=prefix, **who)


@bp.record_once
def _group_commit(state) -> None:
    """The process's group of single purchases (ingest.group): one statement, one commit and one
    hand-off of events (one Redis pipeline) for the purchases that arrive together."""
    store = get_store(state.app)

    def settle(requests: list) -> list:
        metrics.PURCHASE_GROUPS.observe(len(requests))
        outcomes, events = purchases.record_group(store, requests)
        committed(events)
        return outcomes

    state.app.extensions[GROUP] = Group(settle, wait=store.settings.group_commit_ms / 1000)


@bp.before_request
def _purchase_coming() -> None:
    # counted from routing, so that a group being formed waits for a purchase still being parsed
    if request.endpoint == "purchases.create_purchase":
        current_app.extensions[GROUP].coming()
        g.purchase_coming = True


@bp.teardown_request
def _purchase_not_coming(exc) -> None:
    if g.pop("purchase_coming", False):  # refused before it reached the group (auth, body, header)
        current_app.extensions[GROUP].not_coming()


@endpoint(bp, "/devices/me/heartbeat", methods=("POST",), auth=("device",), body=HeartbeatIn,
          responses={200: HeartbeatOut})
def heartbeat(principal, body: HeartbeatIn):
    """The device is alive (the first heartbeat activates it)."""
    return devices.heartbeat(get_store(), principal.id, body.lat, body.lng), 200


@endpoint(bp, "/purchases", methods=("POST",), auth=DEVICE, body=PurchaseIn, responses={201: PurchaseOut},
          headers=HEADERS, errors=(404, 409))
def create_purchase(principal, body: PurchaseIn):
    """A passenger bought from the device: the device's stock goes down, the driver is paid."""
    key = idempotency_key()
    device_id = acting_for(principal, "device", body.device_id)
    group = current_app.extensions[GROUP]
    outcome = group.submit(purchase_request(body, key, device_id=device_id, principal=principal.name),
                           counted=g.pop("purchase_coming", False))
    if outcome.error is not None:
        raise outcome.error
    return reply(outcome, ())  # its events were handed on with its group's, before this answer


@endpoint(bp, "/purchases/batch", methods=("POST",), auth=DEVICE, body=BatchIn, responses={200: BatchOut},
          errors=(404,))
def create_purchases_batch(principal, body: BatchIn):
    """Buffered sales uploaded at once: each entry on its own, in order, with its own key."""
    device_id = acting_for(principal, "device", body.device_id)
    results: list[dict | None] = [None] * len(body.purchases)
    requests, positions = [], []
    for index, raw in enumerate(body.purchases):
        key = raw.get("idempotency_key") if isinstance(raw, dict) else None
        try:
            entry = BatchEntryIn.model_validate(raw)
        except ValidationError as exc:
            err = from_validation(exc, prefix=("purchases", index))
            results[index] = _error(key if isinstance(key, str) else None, 422, err.errors)
            continue
        requests.append(purchase_request(entry, entry.idempotency_key, f"purchases[{index}]."))
        positions.append(index)
    outcomes, events = purchases.record_batch(get_store(), device_id, principal.name, requests)
    for index, outcome in zip(positions, outcomes):
        results[index] = _result(outcome, index)
    committed(events)
    return {"results": results}, 200


def _result(outcome, index: int) -> dict:
    if outcome.error is not None:
        field = outcome.error.field
        if field in (FIELD, "idempotency_key"):  # the key of an entry is a body field here
            field = f"purchases[{index}].idempotency_key"
        return _error(outcome.key, outcome.status, [{"field": field, "message": outcome.error.detail}])
    body = orjson.loads(outcome.body)
    return {"idempotency_key": outcome.key, "status": 200 if outcome.replayed else outcome.status, "id": body["id"],
            "total_cents": body["total_cents"]}


def _error(key: str | None, status: int, errors: list[dict]) -> dict:
    detail = "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in errors)
    return {"idempotency_key": key, "status": status, "error": detail, "errors": errors}


@endpoint(bp, "/ad-plays", methods=("POST",), auth=DEVICE, body=AdPlaysIn, responses={201: AcceptedOut},
          headers=HEADERS, errors=(404, 409))
def create_ad_plays(principal, body: AdPlaysIn):
    """Ads the device played; an unknown ad rejects the whole batch."""
    key = idempotency_key()
    device_id = acting_for(principal, "device", body.device_id)
    request = ad_plays.AdPlaysRequest(key, tuple(ad_plays.Play(p.ad_id, p.played_at, p.duration_ms, p.creative_id)
                                                 for p in body.plays))
    store = get_store()
    outcome, events = ad_plays.record_ad_plays(store, device_id, principal.name, request)
    queries.forget_playlist(store)  # an ad may just have reached its plays
    return reply(outcome, events)
