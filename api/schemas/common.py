"""Field types shared by every schema."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

# Money is an integer number of fen: floats and strings are refused, never rounded.
Cents = Annotated[StrictInt, Field(ge=0, le=10**12)]
PositiveCents = Annotated[StrictInt, Field(gt=0, le=10**12)]
Id = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lng = Annotated[float, Field(ge=-180, le=180)]
Timestamp = AwareDatetime  # RFC 3339 with an explicit offset; naive times are a 422
Bool = StrictBool
Limit = Annotated[int, Field(ge=1, le=100)]

T = TypeVar("T")


class Body(BaseModel):
    """A request body: unknown fields are ignored (API.md), strings trimmed."""
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageQuery(Query):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(30, ge=1, le=200)


class Page(Out, Generic[T]):
    page: int
    per_page: int
    total: int
    items: list[T]


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict] | None = None


def iso(value: datetime | None, tz) -> str | None:
    """A response time in the business time zone's offset."""
    return value.astimezone(tz).isoformat() if value is not None else None
