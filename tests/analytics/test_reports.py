"""CSV reports read straight from analytics: every figure adds up to the history that was written."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import text

from analytics import reports
from tests.analytics.report_data import SHANGHAI, Line, add_order, add_purchase, catalogue, seed, truth


def read(export: reports.CsvExport) -> list[dict]:
    try:
        body = b"".join(export)
    finally:
        export.close()
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def spec(kind="wholesale", start="2026-11-01", end="2026-11-30", **kw) -> reports.ReportSpec:
    return reports.build_spec(kind=kind, start=date.fromisoformat(start), end=date.fromisoformat(end), **kw)


@pytest.fixture
def world(store, api):
    return seed(store, api)


def sums(rows, keys) -> dict:
    return {tuple(r[k] for k in keys): (int(r["units"]), int(r["orders"]), int(r["amount_cents"])) for r in rows}


@pytest.mark.parametrize("group_by, keys", [
    ("day", ("day",)),
    ("station", ("station_id",)),
    ("day,station,product,driver", ("day", "station_id", "product_id", "driver_id")),
    ("product,driver", ("product_id", "driver_id")),
])
def test_wholesale_sums_per_group_equal_the_history(store, world, group_by, keys):
    rows = read(reports.sales_csv(store, spec(group_by=group_by, start="2026-11-03", end="2026-11-15")))
    expected = truth(world.wholesale, keys, first="2026-11-03", last="2026-11-15")
    assert sums(rows, keys) == expected
    assert rows == sorted(rows, key=lambda r: tuple(int(r[k]) if k != "day" else r[k] for k in keys))


def test_retail_sums_per_device_and_driver(store, world):
    rows = read(reports.sales_csv(store, spec("retail", group_by="day,driver,device")))
    assert sums(rows, ("day", "driver_id", "device_id")) == truth(
        world.retail, ("day", "driver_id", "device_id"), first="2026-11-01", last="2026-11-30")


def test_header_names_and_amount_in_yuan(store, world):
    export = reports.sales_csv(store, spec(group_by="station,product"))
    rows = read(export)
    assert list(rows[0]) == ["station_id", "station_name", "product_id", "sku", "product_name",
                             "units", "orders", "amount_cents", "amount"]
    names = {s["id"]: s["name"] for s in world.stations}
    for row in rows:
        cents = int(row["amount_cents"])
        assert row["amount"] == f"{cents // 100}.{cents % 100:02d}"
        assert row["station_name"] == names[int(row["station_id"])]
    assert export.filename == "sales-wholesale-2026-11-01_2026-11-30.csv"


def test_cancelled_orders_count_nowhere_and_one_station_only(store, world):
    station = world.stations[0]["id"]
    rows = read(reports.sales_csv(store, spec(group_by="", station_id=station)))
    kept = [x for x in world.wholesale if x.station_id == station and x.status != "cancelled"]
    assert len(rows) == 1
    assert int(rows[0]["amount_cents"]) == sum(x.amount_cents for x in kept)
    assert int(rows[0]["orders"]) == len({x.order_id for x in kept})


def test_days_are_business_days_in_shanghai(store, api):
    world = catalogue(api, stations=1, products=1, drivers=1)
    s, p, d = world.stations[0]["id"], world.products[0], world.drivers[0]["id"]
    # 2026-11-27T16:30Z is 00:30 on the 28th in Shanghai; 15:59:59Z is still the 27th.
    late = datetime.fromisoformat("2026-11-27T16:30:00+00:00")
    early = datetime.fromisoformat("2026-11-27T15:59:59+00:00")
    add_order(store, world, [Line("late", late, s, d, None, p["id"], 2, 100)])
    add_order(store, world, [Line("early", early, s, d, None, p["id"], 5, 100)])
    rows = read(reports.sales_csv(store, spec(start="2026-11-27", end="2026-11-28")))
    assert [(r["day"], r["units"]) for r in rows] == [("2026-11-27", "5"), ("2026-11-28", "2")]
    only_28 = read(reports.sales_csv(store, spec(start="2026-11-28", end="2026-11-28")))
    assert [(r["day"], r["units"]) for r in only_28] == [("2026-11-28", "2")]


def test_no_sales_gives_a_zero_total_row_or_no_rows(store, api):
    catalogue(api, stations=1, products=1, drivers=1)
    assert read(reports.sales_csv(store, spec(group_by="day"))) == []
    total = read(reports.sales_csv(store, spec(group_by="")))
    assert [(r["units"], r["orders"], r["amount_cents"], r["amount"]) for r in total] == [("0", "0", "0", "0.00")]


def test_order_lines_one_row_each_with_local_times_and_every_status(store, world):
    rows = read(reports.orders_csv(store, spec(start="2026-11-01", end="2026-11-20")))
    assert len(rows) == len(world.wholesale)
    assert list(rows[0])[:4] == ["order_id", "created_at", "day", "status"]
    by_key = {(x.order_id, x.product_id): x for x in world.wholesale}
    for row in rows:
        line = by_key[(row["order_id"], int(row["product_id"]))]
        assert datetime.fromisoformat(row["created_at"]) == line.at and row["created_at"].endswith("+08:00")
        assert (row["status"], int(row["quantity"]), int(row["amount_cents"])) == \
            (line.status, line.quantity, line.amount_cents)
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    cancelled = read(reports.orders_csv(store, spec(status="cancelled")))
    assert cancelled and {r["status"] for r in cancelled} == {"cancelled"}


def test_retail_lines(store, world):
    rows = read(reports.orders_csv(store, spec("retail")))
    assert len(rows) == len(world.retail) and list(rows[0])[0] == "purchase_id"
    assert sum(int(r["amount_cents"]) for r in rows) == sum(x.amount_cents for x in world.retail)


def test_names_are_quoted_and_formulas_defused(store, api):
    world = catalogue(api, stations=0, products=0, drivers=1)
    station = api.station(name='Depot "North", Gate 2')
    product = api.product(name="=HYPERLINK(\"http://x\")", supply_price_cents=250)
    add_order(store, world, [Line("o1", datetime(2026, 11, 5, 9, tzinfo=SHANGHAI), station["id"],
                                  world.drivers[0]["id"], None, product["id"], 3, 250)])
    rows = read(reports.sales_csv(store, spec(group_by="station,product")))
    assert rows[0]["station_name"] == 'Depot "North", Gate 2'
    assert rows[0]["product_name"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["amount"] == "7.50"


def test_bom_for_excel(store, world):
    export = reports.sales_csv(store, spec(), bom=True)
    try:
        body = b"".join(export)
    finally:
        export.close()
    assert body.startswith(b"\xef\xbb\xbfday,units,orders,amount_cents,amount\n")


def test_leaving_mid_stream_returns_a_clean_connection(store, api):
    world = catalogue(api, stations=1, products=1, drivers=1)
    with store.transaction() as session:  # enough lines for many 64 KiB chunks
        session.execute(text(
            "INSERT INTO purchase_lines (purchase_id, occurred_at, product_id, device_id, driver_id, quantity,"
            " unit_price_cents, amount_cents) SELECT 'bulk' || g, timestamptz '2026-11-03 10:00+08'"
            " + g * interval '1 second', :p, :v, :d, 1, 100, 100 FROM generate_series(1, 20000) g"),
            {"p": world.products[0]["id"], "v": world.devices[0]["id"], "d": world.drivers[0]["id"]})
    export = reports.orders_csv(store, spec("retail"))
    assert next(iter(export)).startswith(b"purchase_id,")
    export.close()  # the client went away after the first chunk
    if store.alert_follower is not None:  # the alerts thread's own evaluation may hold one for a moment
        store.alert_follower.flush()
    assert store.engine.pool.checkedout() == 0
    assert len(read(reports.orders_csv(store, spec("retail")))) == 20000


@pytest.mark.parametrize("kw, field", [
    ({"start": "2026-01-01", "end": "2027-01-03"}, "to"),  # 367 days apart
    ({"start": "2026-11-05", "end": "2026-11-04"}, "to"),
    ({"kind": "retail", "station_id": 1}, "station_id"),
    ({"group_by": "day,planet"}, "group_by"),
    ({"kind": "retail", "group_by": "station"}, "group_by"),
    ({"kind": "retail", "status": "cancelled"}, "status"),
    ({"kind": "gross"}, "kind"),
])
def test_bad_requests_name_the_field(kw, field):
    with pytest.raises(reports.ReportError) as caught:
        spec(**kw)
    assert caught.value.field == field and caught.value.status == 422


def test_a_full_leap_span_is_allowed():
    assert spec(start="2027-01-01", end="2028-01-02").end == date(2028, 1, 2)  # 366 days apart
    assert spec(group_by="station_name, day").groups == ("day", "station")


def test_an_export_nobody_reads_or_closes_still_frees_its_connection(store, world):
    import gc

    export = reports.sales_csv(store, spec())
    del export
    gc.collect()
    assert store.engine.pool.checkedout() == 0
