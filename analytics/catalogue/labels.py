"""Names for the figures: products, stations, drivers and ads, cached in Redis hashes.

Rankings hold ids; their labels come from ``bf:{p}:labels:<kind>`` (id →
JSON). A miss (a new driver, an emptied Redis) is read from Postgres and
cached, so the cache is right even before anything indexed it.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from analytics import keys
from store.models import Ad, Driver, Product, Station

COLUMNS = {
    "products": (Product, ("sku", "name", "category", "retail_price_cents", "supply_price_cents")),
    "stations": (Station, ("name", "address", "lat", "lng")),
    "drivers": (Driver, ("name", "car_plate")),
    "ads": (Ad, ("title", "advertiser", "expected_plays", "price_per_play_cents")),
}


def label_of(kind: str, row) -> str:
    return json.dumps({c: getattr(row, c) for c in COLUMNS[kind][1]}, ensure_ascii=False, separators=(",", ":"))


def put(client, kind: str, rows) -> None:
    """Cache the labels of ``rows`` (model objects or rows with the label columns and ``id``)."""
    mapping = {str(r.id): label_of(kind, r) for r in rows}
    if mapping:
        client.hset(keys.labels(kind), mapping=mapping)


def get(store, kind: str, ids) -> dict[int, dict]:
    """id → label dict for the known ids (unknown ids are absent)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    found = {}
    for i, raw in zip(ids, store.redis.hmget(keys.labels(kind), ids)):
        if raw is not None:
            found[i] = json.loads(raw)
    missing = [i for i in ids if i not in found]
    if missing:
        model, columns = COLUMNS[kind]
        with store.engine.connect() as conn:
            rows = conn.execute(select(model.id, *(getattr(model, c) for c in columns))
                                .where(model.id.in_(missing))).all()
        put(store.redis, kind, rows)
        for row in rows:
            found[row.id] = {c: getattr(row, c) for c in columns}
    return found
