"""Catalogue and accounts: stations, products, stock, drivers, devices, ads, users, screens."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from api.schemas.common import Body, Bool, Cents, Id, Lat, Lng, Out, PositiveCents, Text, Timestamp

Sku = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class StationIn(Body):
    name: Text = Field(min_length=1, max_length=100)
    address: Text = Field(min_length=1, max_length=200)
    lat: Lat
    lng: Lng


class StationOut(Out):
    id: int
    name: str
    address: str
    lat: float
    lng: float


class StationCreated(StationOut):
    api_key: str


class StationList(Out):
    items: list[StationOut]


class ProductIn(Body):
    sku: str = Sku
    name: Text = Field(min_length=1, max_length=100)
    category: Text | None = Field(None, max_length=50)
    retail_price_cents: PositiveCents
    supply_price_cents: PositiveCents


class ProductOut(Out):
    id: int
    sku: str
    name: str
    category: str | None
    retail_price_cents: int
    supply_price_cents: int


class StockRowIn(Body):
    sku: str = Sku
    quantity: int = Field(ge=0, le=1_000_000)
    on_shelf: Bool


class StockIn(Body):
    items: list[StockRowIn] = Field(min_length=1, max_length=500)


class StockRowOut(Out):
    sku: str
    quantity: int
    on_shelf: bool


class StockOut(Out):
    items: list[StockRowOut]


class DriverIn(Body):
    name: Text = Field(min_length=1, max_length=100)
    car_plate: Text = Field(min_length=1, max_length=20)
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9+\- ()]{3,32}$")


class DriverOut(Out):
    id: int
    name: str
    car_plate: str
    phone: str | None


class DriverCreated(DriverOut):
    api_key: str


class DeviceIn(Body):
    serial: Text = Field(min_length=1, max_length=64)
    driver_id: Id


class DeviceCreated(Out):
    id: int
    serial: str
    driver_id: int
    activated: bool
    api_key: str


class AdIn(Body):
    title: Text = Field(min_length=1, max_length=200)
    advertiser: Text = Field(min_length=1, max_length=100)
    expected_plays: int = Field(gt=0, le=10**9)
    price_per_play_cents: Cents
    starts_at: Timestamp
    ends_at: Timestamp | None = None

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, value, info: ValidationInfo):
        starts = info.data.get("starts_at")
        if value is not None and starts is not None and value <= starts:
            raise ValueError("must be after starts_at")
        return value


class AdOut(Out):
    id: int
    title: str
    advertiser: str
    expected_plays: int
    price_per_play_cents: int
    starts_at: str
    ends_at: str | None


class UserIn(Body):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: Text = Field(min_length=8, max_length=200)
    role: Literal["admin", "station_manager"]
    station_id: Id | None = Field(None, validate_default=True)

    @field_validator("station_id")
    @classmethod
    def _manager_has_station(cls, value, info: ValidationInfo):
        if info.data.get("role") == "station_manager" and value is None:
            raise ValueError("is required for a station_manager")
        return value


class UserOut(Out):
    id: int
    username: str
    role: str
    station_id: int | None


class ScreenIn(Body):
    label: Text = Field(min_length=1, max_length=100)
    station_id: Id | None = None


class ScreenCreated(Out):
    id: int
    label: str
    station_id: int | None
    token: str
    url: str
