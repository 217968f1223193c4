"""The shared input layer: the field types of every request schema (API.md "Strict input").

Build a request body on ``Body`` and a query string on ``Query``, give every field one of the
types below, and the contract holds by construction; the OpenAPI document is generated from the
same models, so it says what is enforced.

``Body`` models are *strict*: JSON types are taken as sent (a string is no number, a number is no
string or timestamp, a boolean is neither; only a float field also takes an integer). Unknown
fields are ignored, strings are trimmed. ``Query`` values are strings by nature: their types
read digits and dates from them, and nothing else.

- ``Id`` / ``QueryId``: an integer id 1..2,147,483,647 (Postgres ``integer``) in a body / query
  string (422 outside). Ids in paths use the ``<id:name>`` URL converter (``api.routing``): a 404.
- ``Text``: a string without NUL (U+0000; Postgres cannot store it). Give it bounds with
  ``Field(min_length=.., max_length=..)``. A field with a ``pattern`` of its own needs no
  ``Text``: every pattern of this API is a class of allowed characters, NUL never among them.
- ``Timestamp``: an RFC 3339 string with an explicit offset, inside the calendar.
- ``Day``: a ``YYYY-MM-DD`` string inside the calendar (``analytics.periods.FIRST_DAY`` to
  ``LAST_DAY``: the days whose weeks, months, years and 366-day windows can be computed);
  ``DayOrTime``: either (a business day, or an exact time).
- ``Lat`` (the Web-Mercator band that maps and Redis GEO hold) and ``Lng``, as JSON numbers.
- ``Cents`` / ``PositiveCents``: money in fen, an integer; ``QueryInt(lo, hi)``: digits only.
Malformed JSON, duplicate keys, nesting over 32 levels and bodies over 2 MiB never reach these
types: ``api.http`` answers them first (400 / 413).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Annotated, Generic, TypeVar

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, StrictBool,
                      StrictInt, StrictStr, WithJsonSchema)

from analytics.periods import FIRST_DAY, LAST_DAY

ID_MAX = 2**31 - 1
LAT_MAX = 85.05112878  # Web Mercator's band: what maps draw and Redis GEO can index
NO_NUL = "^[^\\u0000]*$"  # how the OpenAPI document (ECMA regex) says it
# 1..2147483647 in digits, as a regex (for ids inside texts, such as a scope's "station:12")
ID_DIGITS = ("(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
             "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")
EARLIEST = datetime.combine(FIRST_DAY, time.min, timezone.utc)
LATEST = datetime.combine(LAST_DAY, time.max, timezone.utc)
_YEAR = "(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"  # 0002..9998
DAY_PATTERN = f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
TIMESTAMP_PATTERN = (f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\\.[0-9]{{1,9}})?"
                     "(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$")
_DAY, _TIMESTAMP, _DIGITS = re.compile(DAY_PATTERN), re.compile(TIMESTAMP_PATTERN), re.compile(r"^[0-9]{1,10}$")


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (U+0000)")
    return value


def _document_no_nul(schema: dict) -> None:
    schema.setdefault("pattern", NO_NUL)  # a field's own pattern already leaves NUL out


def _timestamp(value) -> datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise ValueError("must be an RFC 3339 time with an offset, like 2026-11-28T18:05:00+08:00")
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("is not a real time (RFC 3339 with an offset)") from None
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError(f"must lie between {FIRST_DAY} and {LAST_DAY}")
    return parsed


def _day(value) -> date:
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError(f"must be a date YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a real date (YYYY-MM-DD)") from None


def _day_or_time(value) -> date | datetime:
    return _day(value) if isinstance(value, str) and len(value) == 10 else _timestamp(value)


def _digits(value):
    if isinstance(value, str) and not _DIGITS.match(value):
        raise ValueError("must be a whole number written in digits")
    return value


Text = Annotated[StrictStr, AfterValidator(_no_nul), Field(json_schema_extra=_document_no_nul)]
Id = Annotated[StrictInt, Field(ge=1, le=ID_MAX)]
QueryId = Annotated[int, Field(ge=1, le=ID_MAX), BeforeValidator(_digits)]
Cents = Annotated[StrictInt, Field(ge=0, le=10**12)]  # floats and strings are refused, never rounded
PositiveCents = Annotated[StrictInt, Field(gt=0, le=10**12)]
Lat = Annotated[float, Field(ge=-LAT_MAX, le=LAT_MAX, allow_inf_nan=False)]
Lng = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Timestamp = Annotated[datetime, PlainValidator(_timestamp), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN})]
Day = Annotated[date, PlainValidator(_day), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": DAY_PATTERN})]
DayOrTime = Annotated[date | datetime, PlainValidator(_day_or_time), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date", "pattern": DAY_PATTERN},
               {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}]})]
Bool = StrictBool


def QueryInt(lo: int, hi: int):  # noqa: N802 (a type)
    """An integer query parameter ``lo..hi``, written in digits (no sign, point or exponent)."""
    return Annotated[int, Field(ge=lo, le=hi), BeforeValidator(_digits)]


Limit = QueryInt(1, 100)

T = TypeVar("T")


class Body(BaseModel):
    """A JSON request body: strict types, unknown fields ignored (API.md), strings trimmed."""
    model_config = ConfigDict(strict=True, extra="ignore", str_strip_whitespace=True)


class Query(BaseModel):
    """A query string: every value arrives as text; the field types above read it."""
    model_config = ConfigDict(extra="ignore")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageQuery(Query):
    page: QueryInt(1, 1_000_000) = 1
    per_page: QueryInt(1, 200) = 30


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
