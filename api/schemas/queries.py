"""Query parameters of API.md "Queries" (422 names the parameter)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from api.schemas.common import ID_DIGITS, Day, Lat, Lng, Limit, Out, Page, PageQuery, Query, QueryId, QueryInt, Text

Kind = Literal["wholesale", "retail"]
Period = Literal["day", "week", "month", "year", "total"]
ScopeText = Field("platform", pattern=f"^(platform|(station|driver|device):{ID_DIGITS})$",
                  description="platform, station:<id>, driver:<id> or device:<id>")


class SummaryQuery(Query):
    scope: str = ScopeText
    kind: Kind = Field("wholesale", description="wholesale: replenishment orders (station sales); retail: purchases")


class SeriesQuery(SummaryQuery):
    days: QueryInt(1, 366) = Field(7, description="Number of daily points, oldest first")
    end: Day | None = Field(None, description="Last day (default today, business time zone)")


class PeriodQuery(Query):
    period: Period = "day"
    date: Day | None = Field(None, description="A day inside the period (default today)")
    limit: Limit = 10


class ProductRankingQuery(PeriodQuery):
    kind: Kind = "wholesale"
    station_id: QueryId | None = Field(None, description="One station's wholesale sales")
    by: Literal["amount", "units"] = "amount"

    @field_validator("station_id")
    @classmethod
    def _wholesale_only(cls, value, info: ValidationInfo):
        if value is not None and info.data.get("kind") == "retail":
            raise ValueError("only wholesale sales happen at a station")
        return value


class ActiveQuery(Query):
    period: Literal["day", "week", "month"] = "day"
    date: Day | None = None


class NearbyQuery(Query):
    lat: Lat
    lng: Lng
    radius_km: float = Field(10, gt=0, le=500, allow_inf_nan=False)
    limit: Limit = 20
    sku: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class ScreenDriversQuery(Query):
    station_id: QueryId | None = None


class SearchQuery(Query):
    prefix: Text = Field(min_length=1, max_length=100)
    limit: Limit = 10


class DevicesQuery(PageQuery):
    pass


# replies (documented in the OpenAPI document; the queries build them as plain dicts)
class Figures(Out):
    amount_cents: int
    units: int
    orders: int


class SummaryOut(Out):
    scope: str
    kind: str
    as_of: str
    today: Figures
    week: Figures
    month: Figures
    year: Figures
    total: Figures


class SeriesPoint(Figures):
    date: str


class SeriesOut(Out):
    points: list[SeriesPoint]
    total_cents: int


class ProductRank(Out):
    rank: int
    product_id: int
    sku: str | None
    name: str | None
    amount_cents: int
    units: int


class ProductRankingOut(Out):
    kind: str
    period: str
    period_key: str
    items: list[ProductRank]


class OwnerRank(Out):
    rank: int
    name: str | None
    amount_cents: int
    units: int
    orders: int


class StationRank(OwnerRank):
    station_id: int


class DriverRank(OwnerRank):
    driver_id: int


class StationRankingOut(Out):
    period: str
    period_key: str
    items: list[StationRank]


class DriverRankingOut(Out):
    period: str
    period_key: str
    items: list[DriverRank]


class AdStat(Out):
    ad_id: int
    title: str | None
    advertiser: str | None
    plays: int
    expected_plays: int
    completion_ratio: float | None
    revenue_cents: int


class AdStatsOut(Out):
    period: str
    period_key: str
    items: list[AdStat]


class ActiveOut(Out):
    period: str
    period_key: str
    active_drivers: int


class NearbyStation(Out):
    id: int
    name: str
    address: str
    lat: float
    lng: float
    distance_km: float


class NearbyOut(Out):
    stations: list[NearbyStation]


class FeatureCollection(Out):
    type: Literal["FeatureCollection"]
    features: list[dict]


class ProductFound(Out):
    id: int
    sku: str
    name: str
    category: str | None
    retail_price_cents: int
    supply_price_cents: int


class SearchOut(Out):
    items: list[ProductFound]


class StockAlert(Out):
    sku: str
    quantity: int


class DeviceRow(Out):
    id: int
    serial: str
    driver_id: int
    driver_name: str
    car_plate: str
    activated: bool
    online: bool
    last_seen_at: str | None
    today_sales_cents: int
    stock_alerts: list[StockAlert]


class DevicesOut(Page[DeviceRow]):
    pass
