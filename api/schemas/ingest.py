"""Ingest request and response bodies (API.md "Ingest")."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from api.schemas.catalogue import Sku
from api.schemas.common import Body, DayOrTime, Id, Lat, Lng, Out, PageQuery, QueryId, Text, Timestamp

PaymentMethod = Literal["alipay", "wechat", "card", "cash"]
# 1–255 printable ASCII characters (ingest.idempotency.valid_key): a batch entry's field, a header elsewhere
IdempotencyKey = Field(min_length=1, max_length=255, pattern=r"^[ -~]+$")
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"}


class HeartbeatIn(Body):
    lat: Lat | None = None
    lng: Lng | None = Field(None, validate_default=True)

    @field_validator("lng")
    @classmethod
    def _both_or_neither(cls, value, info: ValidationInfo):
        if (value is None) != (info.data.get("lat") is None) and "lat" in info.data:
            raise ValueError("send lat and lng together")
        return value


class HeartbeatOut(Out):
    device_id: int
    activated: bool
    online: bool
    server_time: str


class Payment(Body):
    method: PaymentMethod
    reference: Text | None = Field(None, max_length=100)


class Location(Body):
    lat: Lat
    lng: Lng


class PurchaseItemIn(Body):
    sku: str = Sku
    quantity: int = Field(ge=1, le=99)


class PurchaseFields(Body):
    occurred_at: Timestamp
    items: list[PurchaseItemIn] = Field(min_length=1, max_length=50)
    payment: Payment
    location: Location | None = None


class PurchaseIn(PurchaseFields):
    device_id: Id | None = Field(None, description="admin only: the device the sale is recorded for")


class BatchEntryIn(PurchaseFields):
    idempotency_key: str = IdempotencyKey


class BatchIn(Body):
    # Entries are checked one by one (BatchEntryIn): a bad entry fails alone, in its result.
    purchases: list[Any] = Field(min_length=1, max_length=500, description="entries of BatchEntryIn")
    device_id: Id | None = Field(None, description="admin only: the device the sales are recorded for")


class LineOut(Out):
    sku: str
    quantity: int
    unit_price_cents: int
    amount_cents: int


class StockWarning(Out):
    sku: str
    quantity: int


class PurchaseOut(Out):
    id: str
    device_id: int
    driver_id: int
    occurred_at: str
    total_cents: int
    items: list[LineOut]
    stock_warnings: list[StockWarning] | None = Field(None, description="device stock rows below zero after the sale")


class BatchResult(Out):
    idempotency_key: str | None
    status: int
    id: str | None = None
    total_cents: int | None = None
    error: str | None = None
    errors: list[dict] | None = None


class BatchOut(Out):
    results: list[BatchResult]


class CartItemIn(Body):
    station_id: Id
    sku: str = Sku
    quantity: int = Field(ge=1, le=100_000)


class ReplenishmentIn(Body):
    items: list[CartItemIn] = Field(min_length=1, max_length=500)
    payment: Payment
    note: Text | None = Field(None, max_length=500)
    pickup_at: Timestamp | None = None
    driver_id: Id | None = Field(None, description="admin only: the driver the order is placed for")


class OrderOut(Out):
    id: str
    station_id: int
    driver_id: int
    status: str
    created_at: str
    total_cents: int
    items: list[LineOut]
    note: str | None = None
    pickup_at: str | None = None
    device_id: int | None = None
    picked_up_at: str | None = None
    cancelled_at: str | None = None


class ReplenishmentOut(Out):
    orders: list[OrderOut]
    total_cents: int


class PickupIn(Body):
    device_id: Id | None = None


class PointIn(Body):
    lat: Lat
    lng: Lng
    recorded_at: Timestamp


class LocationsIn(Body):
    points: list[PointIn] = Field(min_length=1, max_length=500)


class AcceptedOut(Out):
    accepted: int


class CheckinOut(Out):
    date: str
    streak_days: int
    active_days_this_month: int


class PlayIn(Body):
    ad_id: Id
    played_at: Timestamp
    duration_ms: int = Field(ge=0, le=86_400_000)
    creative_id: Id | None = Field(None, description="the creative played (one of the ad's)")


class AdPlaysIn(Body):
    plays: list[PlayIn] = Field(min_length=1, max_length=500)
    device_id: Id | None = Field(None, description="admin only: the device that played the ads")


class OrdersQuery(PageQuery):
    kind: Literal["wholesale", "retail"] = "wholesale"
    status: Literal["awaiting_pickup", "picked_up", "cancelled", "completed"] | None = None
    station_id: QueryId | None = None
    driver_id: QueryId | None = None
    device_id: QueryId | None = None
    from_: DayOrTime | None = Field(None, alias="from", description="business day or RFC 3339 time")
    to: DayOrTime | None = Field(None, description="business day (inclusive) or RFC 3339 time (exclusive)")

    @field_validator("status")
    @classmethod
    def _status_fits_kind(cls, value, info: ValidationInfo):
        if value is not None and (value == "completed") != (info.data.get("kind") == "retail"):
            raise ValueError("retail purchases are 'completed'; wholesale orders are awaiting_pickup, picked_up "
                             "or cancelled")
        return value

    @field_validator("station_id")
    @classmethod
    def _station_is_wholesale(cls, value, info: ValidationInfo):
        if value is not None and info.data.get("kind") == "retail":
            raise ValueError("filters wholesale orders only (purchases have no station)")
        return value


class OrdersPage(Out):
    page: int
    per_page: int
    total: int
    items: list[dict]


class StockItemOut(Out):
    sku: str
    quantity: int


class DeviceStockOut(Out):
    items: list[StockItemOut]


class BalanceOut(Out):
    owner: str
    balance_cents: int
    in_cents: int
    out_cents: int
