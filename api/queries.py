"""API.md "Queries": live figures from ``analytics.queries``.

Rights: an admin reads everything; a station token its own station's scope
(summary, series, product ranking, screen); a driver token its own scope (and
its devices'); a device token nothing. Anything else is a 403.
"""
from __future__ import annotations

import logging

from flask import Blueprint
from redis.exceptions import RedisError
from sqlalchemy import select

from analytics import queries
from analytics.queries.scopes import Scope, parse
from api.auth import Principal
from api.errors import Forbidden, NotFound, problem
from api.routing import endpoint
from api.schemas.queries import (ActiveOut, ActiveQuery, AdStatsOut, DevicesOut, DevicesQuery, DriverRankingOut,
                                 FeatureCollection, NearbyOut, NearbyQuery, PeriodQuery, ProductRankingOut,
                                 ProductRankingQuery, ScreenDriversQuery, SearchOut, SearchQuery, SeriesOut, SeriesQuery,
                                 StationRankingOut, SummaryOut, SummaryQuery)
from store import get_store, request_session
from store.models import Device, Driver, Station

log = logging.getLogger(__name__)
bp = Blueprint("queries", __name__, url_prefix="/api/v1")
OWNERS = ("admin", "station", "driver")
MODELS = {"station": Station, "driver": Driver, "device": Device}


@bp.errorhandler(RedisError)
def _redis_down(exc):
    log.warning("live figures unavailable: %s", exc)
    return problem(503, "Live figures unavailable", "Redis cannot be reached; retry shortly",
                   headers={"Retry-After": "2"})


def readable_scope(principal: Principal, text: str) -> Scope:
    """The scope asked for, if this token may read it (403) and it exists (404)."""
    scope = parse(text)
    if scope.kind != "platform":
        row = request_session().get(MODELS[scope.kind], scope.id)
        if row is None:
            raise NotFound(f"{scope.kind} {scope.id} does not exist", errors=[
                {"field": "scope", "message": "no such " + scope.kind}])
        if not principal.is_admin():
            allowed = principal.owns(scope.kind, scope.id) or (
                scope.kind == "device" and principal.kind == "driver" and row.driver_id == principal.id)
            if not allowed:
                raise Forbidden(f"This token may not read {scope.name}")
    elif not principal.is_admin():
        raise Forbidden("Only an admin reads the whole platform; ask for your own scope")
    return scope


def own_station(principal: Principal, station_id: int | None) -> int | None:
    """A station token reads its own station only; the station must exist."""
    if principal.kind == "station":
        if station_id is not None and station_id != principal.id:
            raise Forbidden(f"This token may not read station {station_id}")
        station_id = principal.id
    if station_id is not None and request_session().get(Station, station_id) is None:
        raise NotFound(f"station {station_id} does not exist", errors=[
            {"field": "station_id", "message": "no such station"}])
    return station_id


@endpoint(bp, "/stats/summary", auth=OWNERS, query=SummaryQuery, responses={200: SummaryOut}, errors=(404,))
def summary(principal, query: SummaryQuery):
    """Today, this week, month, year and all-time sales of a scope."""
    return queries.summary(get_store(), readable_scope(principal, query.scope), query.kind)


@endpoint(bp, "/series/daily", auth=OWNERS, query=SeriesQuery, responses={200: SeriesOut}, errors=(404,))
def series(principal, query: SeriesQuery):
    """Daily sales, oldest first, zero-filled (default: the rolling 7 days ending today)."""
    return queries.daily_series(get_store(), readable_scope(principal, query.scope), query.kind, query.days,
                                query.end)


@endpoint(bp, "/rankings/products", auth=("admin", "station"), query=ProductRankingQuery,
          responses={200: ProductRankingOut}, errors=(404,))
def product_ranking(principal, query: ProductRankingQuery):
    """Hot sellers: products by amount or units (a station token: its own station's)."""
    station_id = query.station_id
    if principal.kind == "station" and station_id is None:
        raise Forbidden("A station token reads its own station's ranking: add station_id")
    return queries.product_ranking(get_store(), query.kind, query.period, query.date,
                                   own_station(principal, station_id), query.by, query.limit)


@endpoint(bp, "/rankings/stations", query=PeriodQuery, responses={200: StationRankingOut})
def station_ranking(principal, query: PeriodQuery):
    """Stations by wholesale sales."""
    return queries.station_ranking(get_store(), query.period, query.date, query.limit)


@endpoint(bp, "/rankings/drivers", query=PeriodQuery, responses={200: DriverRankingOut})
def driver_ranking(principal, query: PeriodQuery):
    """Drivers by retail sales."""
    return queries.driver_ranking(get_store(), query.period, query.date, query.limit)


@endpoint(bp, "/ads/stats", query=PeriodQuery, responses={200: AdStatsOut})
def ad_stats(principal, query: PeriodQuery):
    """Ads by plays, with completion against the plays bought and revenue."""
    return queries.ad_stats(get_store(), query.period, query.date, query.limit)


@endpoint(bp, "/drivers/active", query=ActiveQuery, responses={200: ActiveOut})
def active_drivers(principal, query: ActiveQuery):
    """How many drivers were active in the day, ISO week or month."""
    return queries.active_drivers(get_store(), query.period, query.date)


@endpoint(bp, "/stations/nearby", auth=OWNERS, query=NearbyQuery, responses={200: NearbyOut})
def stations_nearby(principal, query: NearbyQuery):
    """Stations within a radius, nearest first (with sku: those that have it in stock)."""
    return queries.stations_nearby(get_store(), query.lat, query.lng, query.radius_km, query.limit, query.sku)


@endpoint(bp, "/screen/drivers", auth=("admin", "station"), query=ScreenDriversQuery,
          responses={200: FeatureCollection}, errors=(404,))
def screen_drivers(principal, query: ScreenDriversQuery):
    """GeoJSON of the drivers with orders awaiting pickup (a station token: at its station)."""
    return queries.screen_drivers(get_store(), own_station(principal, query.station_id))


@endpoint(bp, "/products/search", auth=OWNERS, query=SearchQuery, responses={200: SearchOut})
def products_search(principal, query: SearchQuery):
    """Products whose name or sku starts with the prefix (any case), in name order."""
    return queries.products_search(get_store(), query.prefix, query.limit)


@endpoint(bp, "/devices", query=DevicesQuery, responses={200: DevicesOut})
def devices(principal, query: DevicesQuery):
    """Devices, paged: online, today's sales, stock alerts."""
    return queries.devices_page(get_store(), query.page, query.per_page)
