"""Query parameters of the CSV reports (API.md "CSV reports")."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import Day, Query, QueryId


class ReportQuery(Query):
    kind: Literal["wholesale", "retail"] = Field("wholesale", description="wholesale: station sales; retail: purchases")
    from_: Day = Field(alias="from", description="First business day, inclusive")
    to: Day = Field(description="Last business day, inclusive; at most 366 days after from")
    station_id: QueryId | None = Field(None, description="One station (a station sees only its own)")
    status: Literal["awaiting_pickup", "picked_up", "cancelled"] | None = Field(
        None, description="orders.csv, wholesale: only orders in this status")
    bom: bool = Field(False, description="1: start with a UTF-8 byte order mark (Excel)")


class SalesQuery(ReportQuery):
    group_by: str = Field("day", max_length=200, pattern=r"^[A-Za-z_,\s]*$",
                          description="Comma list of day, station, product, driver, device (as the kind allows)")
