"""The catalogue in Redis: stations on the map (GEO), product names for prefix search
(ZRANGEBYLEX) and the label caches. Written when the catalogue changes and by the rebuild.

A catalogue change is an outbox event (``KINDS``) like a sale: the live apply
indexes it (``add_events``) right after the commit, or the replay once Redis is
back, and the rebuild indexes everything again.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from analytics import keys
from analytics.catalogue import labels
from store.models import Product, Station

KINDS = ("station_indexed", "product_indexed")
SEP = "\x00"  # sorts before every character, so "cola" < "cola\0..." < "colab"


def add_stations(pipe, stations) -> None:
    stations = list(stations)
    mappable = [s for s in stations if abs(s.lat) <= keys.GEO_MAX_LAT]  # GEO cannot hold the poles
    for start in range(0, len(mappable), 1000):
        chunk = mappable[start:start + 1000]
        pipe.geoadd(keys.stations_geo(), [v for s in chunk for v in (s.lng, s.lat, str(s.id))])
    labels.put(pipe, "stations", stations)


def add_products(pipe, products) -> None:
    products = list(products)
    if not products:
        return
    pipe.zadd(keys.product_names(), {name_entry(p): 0 for p in products})
    pipe.zadd(keys.product_skus(), {sku_entry(p): 0 for p in products})
    labels.put(pipe, "products", products)


def name_entry(product) -> str:
    return f"{product.name.lower()}{SEP}{product.id}"


def sku_entry(product) -> str:
    return f"{product.sku.lower()}{SEP}{product.name.lower()}{SEP}{product.id}"


def index_all(store, pipe) -> dict:
    """Every station and product (the rebuild); returns the counts."""
    with store.engine.connect() as conn:
        stations = conn.execute(select(Station.id, Station.name, Station.address, Station.lat, Station.lng)).all()
        products = conn.execute(select(Product.id, Product.sku, Product.name, Product.category,
                                       Product.retail_price_cents, Product.supply_price_cents)).all()
    # Added over what is there (never deleted first): a station or product created
    # while this runs is indexed by its own request and must not be dropped.
    add_stations(pipe, stations)
    for start in range(0, len(products), 1000):
        add_products(pipe, products[start:start + 1000])
    return {"stations": len(stations), "products": len(products)}


def add_events(pipe, events) -> None:
    """Catalogue events (``station_indexed``, ``product_indexed``: the label columns and ``id``) into
    ``pipe``. Adds only, so applying one twice (the replay, a rebuild) changes nothing."""
    stations = [SimpleNamespace(**e.payload) for e in events if e.kind == "station_indexed"]
    products = [SimpleNamespace(**e.payload) for e in events if e.kind == "product_indexed"]
    if stations:
        add_stations(pipe, stations)
    add_products(pipe, products)
