"""Properties of the shared input layer (api.schemas.common, api.decoder), for any input hypothesis finds."""
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from analytics import periods
from api.decoder import MAX_DEPTH, Rejected, decode
from api.schemas.common import (EARLIEST, ID_MAX, LAT_MAX, LATEST, Body, Day, Id, Lat, Query, QueryId, Text,
                                Timestamp)

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
JSON_SCALARS = st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                                               max_size=4),
                    max_leaves=25)
NOT_INT = st.booleans() | st.floats() | st.text() | st.lists(st.integers(), max_size=2)


class Fields(Body):
    id: Id | None = None
    text: Text | None = None
    at: Timestamp | None = None
    lat: Lat | None = None


class Params(Query):
    id: QueryId | None = None
    day: Day | None = None


def _refused(model: type[BaseModel], **data) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return True
    return False


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


# ids, text, coordinates -------------------------------------------------------------------------
@SETTINGS
@given(st.integers(-2**70, 2**70))
def test_an_id_is_taken_exactly_when_in_range(n):
    assert _refused(Fields, id=n) == (not 1 <= n <= ID_MAX)
    assert _refused(Params, id=str(n)) == (not 1 <= n <= ID_MAX)


@SETTINGS
@given(NOT_INT)
def test_an_id_is_an_integer_never_anything_else(value):
    assert _refused(Fields, id=value)


@SETTINGS
@given(st.text() | st.binary().map(lambda b: b.decode("latin-1")))
def test_text_is_taken_exactly_when_it_holds_no_nul(value):
    assert _refused(Fields, text=value) == ("\x00" in value)
    if "\x00" not in value:
        assert Fields.model_validate({"text": value}).text.strip() == value.strip()  # trimmed, else as sent


@SETTINGS
@given(st.floats(allow_nan=True) | st.integers(-1000, 1000))
def test_a_latitude_is_a_number_in_the_mercator_band(value):
    assert _refused(Fields, lat=value) == (not -LAT_MAX <= value <= LAT_MAX)
    assert _refused(Fields, lat=str(value)) and _refused(Fields, lat=bool(value))


# times and days ---------------------------------------------------------------------------------
OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@SETTINGS
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), OFFSETS)
def test_a_timestamp_is_any_rfc3339_time_inside_the_calendar(moment, offset):
    aware = moment.replace(tzinfo=offset)
    inside = EARLIEST <= aware <= LATEST
    text = aware.isoformat()
    assert _refused(Fields, at=text) == (not inside)
    if inside:
        assert Fields.model_validate({"at": text}).at == aware
        assert _refused(Fields, at=moment.isoformat())  # no offset
        assert _refused(Fields, at=aware.timestamp())  # a number


@SETTINGS
@given(st.dates(), st.sampled_from(["Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"]))
def test_a_day_is_taken_exactly_when_the_calendar_can_compute_with_it(day, zone):
    inside = periods.FIRST_DAY <= day <= periods.LAST_DAY
    assert _refused(Params, day=day.isoformat()) == (not inside)
    if inside:  # everything the queries and reports do with a day, none of it overflows
        tz = ZoneInfo(zone)
        for period in periods.DATED:
            start, end = periods.period_start(period, day), periods.period_end(period, day)
            periods.local_midnight(start, tz).astimezone(timezone.utc)
            periods.local_midnight(end, tz).astimezone(timezone.utc)
            assert periods.key_start(period, periods.period_key(period, day)) == start
        assert day - timedelta(days=365) >= date.min and day + timedelta(days=1) <= date.max


# the decoder ------------------------------------------------------------------------------------
@SETTINGS
@given(JSON)
def test_any_json_within_32_levels_decodes_to_itself_whichever_way_it_is_written(value):
    for text in (orjson.dumps(value), json.dumps(value).encode(), json.dumps(value, ensure_ascii=False, indent=1)):
        assert decode(text) == value


@SETTINGS
@given(JSON, st.integers(1, 80))
def test_nesting_is_refused_exactly_past_32_levels(value, extra):
    for _ in range(extra):
        value = [value] if extra % 2 else {"k": value}
    if _depth(value) > 200:  # orjson writes at most 255 levels; the standard encoder gets there too
        return
    text = json.dumps(value).encode()
    if _depth(value) > MAX_DEPTH:
        with pytest.raises(Rejected):
            decode(text)
    else:
        assert decode(text) == value


@SETTINGS
@given(JSON, st.text(), JSON, JSON, st.booleans(), st.integers(0, 3))
def test_a_repeated_key_is_refused_wherever_it_is(outer, key, first, second, ascii_only, nesting):
    """Keys and strings with colons, escapes and non-ASCII text: the colon count must not be fooled."""
    dump = lambda v: json.dumps(v, ensure_ascii=ascii_only)  # noqa: E731
    text = "{%s: %s, %s: %s}" % (dump(key), dump(first), dump(key), dump(second))
    for _ in range(nesting):
        text = '{"pad": %s, "in": [%s]}' % (dump(outer), text)
    with pytest.raises(Rejected):
        decode(text.encode())


@SETTINGS
@given(st.sampled_from(["NaN", "Infinity", "-Infinity", "[1,]", "{'a': 1}", "", "\ufeff{}", '"\\ud800"', "01"]))
def test_what_is_not_json_is_refused(text):
    with pytest.raises(Rejected):
        decode(text.encode())


# the body reader --------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.integers(-64, 64) | st.integers(-2**20, 2**21))
def test_a_streamed_body_is_refused_exactly_past_2_mib(app, delta):
    """However it is cut up, with no Content-Length (as a chunked body reaches the app)."""
    import io

    from config.http import MAX_BODY
    from tests.helpers import ADMIN_TOKEN

    size = max(0, MAX_BODY + delta)
    reply = app.test_client().post("/api/v1/stations", input_stream=io.BytesIO(b" " * size),
                                   environ_overrides={"wsgi.input_terminated": True},
                                   headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert reply.status_code == (413 if size > MAX_BODY else 400)  # spaces alone are no JSON
