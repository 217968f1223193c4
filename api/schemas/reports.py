"""Query parameters of the CSV reports (API.md "CSV reports")."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from api.schemas.common import Query

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(value):
    # Only YYYY-MM-DD: pydantic would also read a number as a Unix time.
    if isinstance(value, str) and not _DAY.match(value.strip()):
        raise ValueError("must be a date YYYY-MM-DD")
    return value.strip() if isinstance(value, str) else value


Day = Annotated[date, BeforeValidator(_day)]


class ReportQuery(Query):
    kind: Literal["wholesale", "retail"] = Field("wholesale", description="wholesale: station sales; retail: purchases")
    from_: Day = Field(alias="from", description="First business day, inclusive")
    to: Day = Field(description="Last business day, inclusive; at most 366 days after from")
    station_id: int | None = Field(None, ge=1, le=2**31 - 1, description="One station (a station sees only its own)")
    status: Literal["awaiting_pickup", "picked_up", "cancelled"] | None = Field(
        None, description="orders.csv, wholesale: only orders in this status")
    bom: bool = Field(False, description="1: start with a UTF-8 byte order mark (Excel)")


class SalesQuery(ReportQuery):
    group_by: str = Field("day", max_length=200,
                          description="Comma list of day, station, product, driver, device (as the kind allows)")
