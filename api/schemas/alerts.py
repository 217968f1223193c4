"""API.md "Alerts and restock": the alert list's query, the alert and the restock suggestions."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import Out, Page, PageQuery, QueryId

AlertKind = Literal["device_offline", "device_stock_out", "device_stock_low", "station_stock_low", "no_sales",
                    "pickup_overdue", "payment_mismatch"]


class AlertsQuery(PageQuery):
    status: Literal["open", "acknowledged", "resolved"] | None = Field(
        None, description="open: not acknowledged; acknowledged: still open but seen; resolved: cleared")
    kind: AlertKind | None = None
    station_id: QueryId | None = Field(None, description="One station's alerts")


class Subject(Out):
    type: Literal["device", "station", "order", "payment"]
    id: int | str


class AlertOut(Out):
    id: int
    kind: AlertKind
    severity: Literal["info", "warning", "critical"]
    subject: Subject
    station_id: int | None
    opened_at: str
    acknowledged_at: str | None
    resolved_at: str | None
    detail: dict


class AlertsOut(Page[AlertOut]):
    pass


class RestockStation(Out):
    id: int
    name: str
    distance_km: float
    quantity: int


class RestockItem(Out):
    sku: str
    name: str
    quantity: int
    units_per_day: float
    days_of_cover: float | None
    suggested_quantity: int
    stations: list[RestockStation]


class RestockOut(Out):
    device_id: int
    items: list[RestockItem]
