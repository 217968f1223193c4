"""Product prefix search (ZRANGEBYLEX over lower-cased names and skus), in name order."""
from __future__ import annotations

from analytics import keys
from analytics.catalogue import labels
from analytics.catalogue.index import SEP
from analytics.errors import Invalid
from analytics.queries.common import check_limit

MAX_SKU_MATCHES = 10_000  # a one-letter prefix may match the whole catalogue's skus


def products_search(store, prefix: str, limit: int = 10) -> dict:
    """``GET /products/search``: name or sku starts with ``prefix`` (any case), by name."""
    check_limit(limit)
    prefix = (prefix or "").strip().lower()
    if not prefix or len(prefix) > 100:
        raise Invalid("must be 1 to 100 characters", field="prefix")
    low, high = b"[" + prefix.encode(), b"[" + prefix.encode() + b"\xff"
    pipe = store.redis.pipeline(transaction=False)
    pipe.zrangebylex(keys.product_names(), low, high, start=0, num=limit)  # already in name order
    pipe.zrangebylex(keys.product_skus(), low, high, start=0, num=MAX_SKU_MATCHES)  # sku order: sorted below
    by_name, by_sku = pipe.execute()
    candidates = {}
    for entry in by_name:
        name, _, product_id = entry.rpartition(SEP)
        candidates[int(product_id)] = name
    for entry in by_sku:
        _, name, product_id = entry.split(SEP)
        candidates[int(product_id)] = name
    chosen = sorted(candidates, key=lambda i: (candidates[i], i))[:limit]
    found = labels.get(store, "products", chosen)
    return {"items": [{"id": i, **found[i]} for i in chosen if i in found]}
