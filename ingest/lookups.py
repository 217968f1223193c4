"""Per-process caches of what the hot path reads on every request.

Products are only ever added (no endpoint changes a price), so a cached
product stays right; the whole map is still reloaded every minute in case a
price was changed by hand. An sku missing from the cache is looked up before
it is refused, so a product created a moment ago in another worker is found.
Devices never change driver. ``reset`` empties both (tests truncate tables).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from ingest.errors import NotFound
from store.models import Device, Product

RELOAD_SECONDS = 60.0


@dataclass(frozen=True)
class ProductRef:
    id: int
    sku: str
    retail_price_cents: int
    supply_price_cents: int
    name: str = ""


class _Catalogue:
    def __init__(self):
        self.by_sku: dict[str, ProductRef] = {}
        self.loaded_at = 0.0
        self.lock = threading.Lock()

    def load(self, store, skus=None) -> None:
        """Reload everything, or just add ``skus`` (those not cached yet)."""
        query = select(Product.id, Product.sku, Product.retail_price_cents, Product.supply_price_cents, Product.name)
        if skus is not None:
            query = query.where(Product.sku.in_(skus))
        with store.engine.connect() as conn:
            found = {r.sku: ProductRef(r.id, r.sku, r.retail_price_cents, r.supply_price_cents, r.name)
                     for r in conn.execute(query)}
        if skus is None:
            self.by_sku, self.loaded_at = found, time.monotonic()
        else:
            self.by_sku = {**self.by_sku, **found}


_catalogue = _Catalogue()
_drivers: dict[int, int] = {}  # device id -> driver id


def products(store, skus) -> dict[str, ProductRef]:
    """The known products among ``skus`` (unknown ones are simply absent)."""
    cat = _catalogue
    if time.monotonic() - cat.loaded_at > RELOAD_SECONDS:
        with cat.lock:
            cat.load(store)
    missing = [s for s in skus if s not in cat.by_sku]
    if missing:
        cat.load(store, missing)
    by_sku = cat.by_sku
    return {s: by_sku[s] for s in skus if s in by_sku}


def device_driver(store, device_id: int) -> int:
    driver_id = _drivers.get(device_id)
    if driver_id is None:
        with store.engine.connect() as conn:
            driver_id = conn.execute(select(Device.driver_id).where(Device.id == device_id)).scalar()
        if driver_id is None:
            raise NotFound(f"device {device_id} does not exist", field="device_id")
        _drivers[device_id] = driver_id
    return driver_id


def reset() -> None:
    _catalogue.by_sku, _catalogue.loaded_at = {}, 0.0
    _drivers.clear()
