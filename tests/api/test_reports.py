"""GET /api/v1/reports/*.csv as a client sees them: headers, file names, scope, errors."""
from __future__ import annotations

import csv
import io

import pytest

from tests.analytics.report_data import seed, truth
from tests.helpers import console_user, sign_in

SALES = "/api/v1/reports/sales.csv"
ORDERS = "/api/v1/reports/orders.csv"
NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def world(store, api):
    return seed(store, api)


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def station_token(api, world, index=0) -> str:
    # Station keys are shown once, when created: make one more station and use its key.
    return world.stations[index]["api_key"]


def test_sales_csv_streams_text_csv_with_a_dated_file_name(api, world):
    response = api.get(f"{SALES}?kind=wholesale&{NOVEMBER}&group_by=day,station")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="sales-wholesale-2026-11-01_2026-11-30.csv"'
    assert response.is_streamed
    rows = rows_of(response)
    assert list(rows[0]) == ["day", "station_id", "station_name", "units", "orders", "amount_cents", "amount"]
    got = {(r["day"], r["station_id"]): (int(r["units"]), int(r["orders"]), int(r["amount_cents"])) for r in rows}
    assert got == truth(world.wholesale, ("day", "station_id"), first="2026-11-01", last="2026-11-30")


def test_orders_csv_one_row_per_line_with_bom(api, world):
    response = api.get(f"{ORDERS}?kind=retail&{NOVEMBER}&bom=1")
    body = response.get_data()
    assert response.status_code == 200 and body.startswith(b"\xef\xbb\xbfpurchase_id,")
    assert response.headers["Content-Disposition"].endswith('filename="orders-retail-2026-11-01_2026-11-30.csv"')
    assert len(rows_of(response)) == len(world.retail)


@pytest.mark.parametrize("query, field", [
    ("from=2026-01-01&to=2027-01-03", "to"),
    ("from=2026-11-05&to=2026-11-01", "to"),
    ("from=2026-11-31&to=2026-12-01", "from"),
    ("from=1700000000&to=2026-12-01", "from"),
    ("to=2026-12-01", "from"),
    ("from=2026-11-01&to=2026-11-02&kind=gross", "kind"),
    ("from=2026-11-01&to=2026-11-02&group_by=planet", "group_by"),
    ("from=2026-11-01&to=2026-11-02&kind=retail&group_by=station", "group_by"),
    ("from=2026-11-01&to=2026-11-02&station_id=abc", "station_id"),
])
def test_bad_parameters_are_422_naming_the_field(api, query, field):
    response = api.get(f"{SALES}?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_station_token_reads_only_its_own_station(api, world):
    token = station_token(api, world)
    own = world.stations[0]["id"]
    mine = api.get(f"{SALES}?{NOVEMBER}&group_by=station", token=token)
    assert {r["station_id"] for r in rows_of(mine)} == {str(own)}
    lines = api.get(f"{ORDERS}?{NOVEMBER}", token=token)
    assert {r["station_id"] for r in rows_of(lines)} == {str(own)}
    other = world.stations[1]["id"]
    assert api.get(f"{SALES}?{NOVEMBER}&station_id={other}", token=token).status_code == 403
    assert api.get(f"{ORDERS}?{NOVEMBER}&station_id={other}", token=token).status_code == 403
    assert api.get(f"{SALES}?{NOVEMBER}&kind=retail", token=token).status_code == 403


def test_driver_device_and_missing_tokens_read_no_reports(api, world):
    assert api.get(f"{SALES}?{NOVEMBER}", token=world.drivers[0]["api_key"]).status_code == 403
    assert api.get(f"{SALES}?{NOVEMBER}", token=world.devices[0]["api_key"]).status_code == 403
    assert api.get(f"{SALES}?{NOVEMBER}", token=None).status_code == 401
    assert api.get(f"{SALES}?{NOVEMBER}", token="bf_unknown_token").status_code == 401
    # The caller is checked before the query: no hints about parameters to strangers.
    assert api.get(f"{SALES}?from=bad", token=None).status_code == 401


def test_signed_in_manager_downloads_own_station_only(client, api, world):
    own, other = world.stations[0]["id"], world.stations[1]["id"]
    manager = console_user(api, station_id=own)
    sign_in(client, manager["username"])
    mine = client.get(f"{SALES}?{NOVEMBER}&group_by=station")
    assert mine.status_code == 200 and {r["station_id"] for r in rows_of(mine)} == {str(own)}
    assert client.get(f"{SALES}?{NOVEMBER}&station_id={other}").status_code == 403
    assert client.get(f"{ORDERS}?{NOVEMBER}&station_id={other}").status_code == 403


def test_signed_in_admin_downloads_every_station(client, api, world):
    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    response = client.get(f"{SALES}?{NOVEMBER}&group_by=station")
    assert {int(r["station_id"]) for r in rows_of(response)} == {s["id"] for s in world.stations}


def test_openapi_documents_the_reports(api):
    doc = api.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/reports/sales.csv"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"kind", "from", "to", "group_by", "station_id", "bom"} <= names
    assert "text/csv" in op["responses"]["200"]["content"]
