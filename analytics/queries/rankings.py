"""Rankings: hot sellers (products), stations, drivers, ads — best first, ties by id ascending."""
from __future__ import annotations

from datetime import date

from analytics import keys
from analytics.catalogue import labels
from analytics.errors import Invalid
from analytics.queries.common import check_kind, check_limit, period_of, top
from analytics.queries.scopes import check_choice

BY = ("amount", "units")


def product_ranking(store, kind: str, period: str, day: date | None = None, station_id: int | None = None,
                    by: str = "amount", limit: int = 10) -> dict:
    """``GET /rankings/products``; with ``station_id`` that station's wholesale sales."""
    check_kind(kind)
    check_choice(by, BY, "by")
    check_limit(limit)
    if station_id is not None and kind != "wholesale":
        raise Invalid("only wholesale sales happen at a station", field="station_id")
    period, pkey, bucket = period_of(store, period, day)
    scope = keys.PLATFORM if station_id is None else keys.station(station_id)
    other = "units" if by == "amount" else "amount"
    rows = top(store.redis, keys.product_rank(scope, kind, by, bucket), limit,
               [(keys.product_rank(scope, kind, other, bucket), "z")])
    names = labels.get(store, "products", [r[0] for r in rows])
    items = []
    for rank, (product_id, score, other_score) in enumerate(rows, 1):
        label = names.get(product_id, {})
        amount, units = (score, other_score) if by == "amount" else (other_score, score)
        items.append({"rank": rank, "product_id": product_id, "sku": label.get("sku"), "name": label.get("name"),
                      "amount_cents": amount, "units": units})
    body = {"kind": kind, "period": period, "period_key": pkey, "by": by, "items": items}
    if station_id is not None:
        body["station_id"] = station_id
    return body


def _entity_ranking(store, period, day, limit, rank_key, figures_key, label_kind, id_field) -> dict:
    check_limit(limit)
    period, pkey, bucket = period_of(store, period, day)
    rows = top(store.redis, rank_key(bucket), limit, [(figures_key(bucket), ":u"), (figures_key(bucket), ":o")])
    names = labels.get(store, label_kind, [r[0] for r in rows])
    items = [{"rank": rank, id_field: member, "name": names.get(member, {}).get("name"), "amount_cents": amount,
              "units": units, "orders": orders}
             for rank, (member, amount, units, orders) in enumerate(rows, 1)]
    return {"period": period, "period_key": pkey, "items": items}


def station_ranking(store, period: str, day: date | None = None, limit: int = 10) -> dict:
    """``GET /rankings/stations``: station (wholesale) sales."""
    return _entity_ranking(store, period, day, limit, keys.station_rank, keys.station_figures, "stations",
                           "station_id")


def driver_ranking(store, period: str, day: date | None = None, limit: int = 10) -> dict:
    """``GET /rankings/drivers``: driver (retail) sales."""
    return _entity_ranking(store, period, day, limit, keys.driver_rank, keys.driver_figures, "drivers", "driver_id")


def ad_stats(store, period: str, day: date | None = None, limit: int = 10) -> dict:
    """``GET /ads/stats``: most played first; revenue = plays × price per play."""
    check_limit(limit)
    period, pkey, bucket = period_of(store, period, day)
    rows = top(store.redis, keys.ad_plays(bucket), limit)
    ads = labels.get(store, "ads", [r[0] for r in rows])
    items = []
    for ad_id, plays in rows:
        ad = ads.get(ad_id, {})
        expected = ad.get("expected_plays") or 0
        items.append({"ad_id": ad_id, "title": ad.get("title"), "advertiser": ad.get("advertiser"), "plays": plays,
                      "expected_plays": expected,
                      "completion_ratio": round(plays / expected, 4) if expected else None,
                      "revenue_cents": plays * (ad.get("price_per_play_cents") or 0)})
    return {"period": period, "period_key": pkey, "items": items}
