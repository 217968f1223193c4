"""Query parameters of API.md "Queries" (422 names the parameter)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from api.schemas.common import Lat, Lng, Limit, PageQuery, Query
from api.schemas.reports import Day

Kind = Literal["wholesale", "retail"]
Period = Literal["day", "week", "month", "year", "total"]
ScopeText = Field("platform", pattern=r"^(platform|(station|driver|device):[1-9][0-9]{0,9})$",
                  description="platform, station:<id>, driver:<id> or device:<id>")
OptionalId = Field(None, ge=1, le=2**31 - 1)


class SummaryQuery(Query):
    scope: str = ScopeText
    kind: Kind = Field("wholesale", description="wholesale: replenishment orders (station sales); retail: purchases")


class SeriesQuery(SummaryQuery):
    days: int = Field(7, ge=1, le=366, description="Number of daily points, oldest first")
    end: Day | None = Field(None, description="Last day (default today, business time zone)")


class PeriodQuery(Query):
    period: Period = "day"
    date: Day | None = Field(None, description="A day inside the period (default today)")
    limit: Limit = 10


class ProductRankingQuery(PeriodQuery):
    kind: Kind = "wholesale"
    station_id: int | None = Field(None, ge=1, le=2**31 - 1, description="One station's wholesale sales")
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
    radius_km: float = Field(10, gt=0, le=500)
    limit: Limit = 20
    sku: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class ScreenDriversQuery(Query):
    station_id: int | None = OptionalId


class SearchQuery(Query):
    prefix: str = Field(min_length=1, max_length=100)
    limit: Limit = 10


class DevicesQuery(PageQuery):
    pass
