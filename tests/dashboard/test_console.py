"""The console's pages and callbacks: what a manager sees, and what an edited request gets (403)."""
from __future__ import annotations

import pytest

from dashboard.console import ids
from tests.dashboard.dash_calls import call, outputs, pattern_id
from tests.helpers import console_user, restock, sign_in


@pytest.fixture
def desk(api):
    a, b = api.station(name="Depot A"), api.station(name="Depot B")
    cola = api.product(name="Cola", supply_price_cents=210)
    for station in (a, b):
        api.stock(station["id"], [{"sku": cola["sku"], "quantity": 100, "on_shelf": True}])
    driver = api.driver(name="Wang", car_plate="沪A·12345")
    api.device(driver["id"])
    return {"a": a, "b": b, "cola": cola, "driver": driver,
            "order_a": restock(api, driver, a, cola, 10), "order_b": restock(api, driver, b, cola, 4)}


@pytest.fixture
def manager(api, client, desk):
    user = console_user(api, station_id=desk["a"]["id"])
    assert sign_in(client, user["username"]).status_code == 302
    return user


def refresh(client, station):
    return call(client, f"{ids.KPI_AMOUNT}.children", [1, 0, station, None])


def test_console_needs_sign_in(client):
    response = client.get("/console")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/console"
    assert refresh(client, 1).status_code == 401  # the callback too, not only the page


def test_desk_shows_own_queue_and_counts(client, desk, manager):
    assert client.get("/console").status_code == 200
    got = outputs(refresh(client, desk["a"]["id"]))
    assert got[f"{ids.KPI_AWAITING}.children"] == "1"
    assert got[f"{ids.KPI_PICKED}.children"] == "0"
    queue = str(got[f"{ids.QUEUE}.children"])
    assert desk["order_a"]["id"] in queue and "Wang" in queue and "Cola ×10" in queue
    assert desk["order_b"]["id"] not in queue


def test_manager_cannot_read_another_station_by_callback(client, desk, manager):
    assert refresh(client, desk["b"]["id"]).status_code == 403
    assert refresh(client, 0).status_code == 200  # "all" means their own station for a manager
    assert str(desk["order_b"]["id"]) not in str(outputs(refresh(client, 0)))


def press(client, kind: str, order_id: str):
    value = [({"type": kind, "order": order_id}, 1)]
    inputs = [value, []] if kind == ids.PICKUP else [[], value]
    prop = "n_clicks" if kind == ids.PICKUP else "submit_n_clicks"
    return call(client, f"{ids.ACTION}.data", inputs, [0], changed=f"{pattern_id(order=order_id, type=kind)}.{prop}")


def test_pickup_from_the_desk_empties_the_queue(client, api, desk, manager):
    got = outputs(press(client, ids.PICKUP, desk["order_a"]["id"]))
    assert got[f"{ids.ACTION}.data"] == 1 and "picked up" in str(got[f"{ids.ACTION_STATUS}.children"])
    after = outputs(refresh(client, desk["a"]["id"]))
    assert after[f"{ids.KPI_AWAITING}.children"] == "0" and after[f"{ids.KPI_PICKED}.children"] == "1"
    orders = api.get(f"/orders?station_id={desk['a']['id']}").get_json()["items"]
    assert [o["status"] for o in orders] == ["picked_up"]


def test_cancel_from_the_desk_takes_the_sale_out_of_the_figures(client, api, desk, manager):
    scope = f"station:{desk['a']['id']}"
    assert api.get(f"/stats/summary?scope={scope}&kind=wholesale").get_json()["today"]["amount_cents"] == 2100
    outputs(press(client, ids.CANCEL, desk["order_a"]["id"]))
    assert api.get(f"/stats/summary?scope={scope}&kind=wholesale").get_json()["today"]["amount_cents"] == 0
    assert outputs(refresh(client, desk["a"]["id"]))[f"{ids.KPI_AWAITING}.children"] == "0"


def test_manager_cannot_act_on_another_stations_order(client, api, desk, manager):
    assert press(client, ids.PICKUP, desk["order_b"]["id"]).status_code == 403
    assert press(client, ids.CANCEL, desk["order_b"]["id"]).status_code == 403
    orders = api.get(f"/orders?station_id={desk['b']['id']}").get_json()["items"]
    assert [o["status"] for o in orders] == ["awaiting_pickup"]


def test_a_repeated_cancel_says_why_on_the_desk(client, desk, manager):
    outputs(press(client, ids.PICKUP, desk["order_a"]["id"]))
    got = outputs(press(client, ids.CANCEL, desk["order_a"]["id"]))
    assert "cannot be cancelled" in str(got[f"{ids.ACTION_STATUS}.children"])


def orders_page(client, station, kind="wholesale", status="all", start=None, end=None):
    return call(client, f"{ids.ORDERS_TABLE}.children", [None, None, station, kind, status, start, end], [1])


def test_orders_page_lists_own_orders_newest_first(client, api, desk, manager):
    second = restock(api, desk["driver"], desk["a"], desk["cola"], 2)
    got = outputs(orders_page(client, desk["a"]["id"]))
    table = str(got[f"{ids.ORDERS_TABLE}.children"])
    assert table.index(second["id"]) < table.index(desk["order_a"]["id"])
    assert desk["order_b"]["id"] not in table
    assert got[f"{ids.ORDERS_PAGE}.data"] == 1 and "2 orders" in got[f"{ids.ORDERS_PAGER}.children"]
    none = outputs(orders_page(client, desk["a"]["id"], status="cancelled"))
    assert "No orders match" in str(none[f"{ids.ORDERS_TABLE}.children"])


def test_orders_page_refuses_other_stations_and_retail_to_managers(client, desk, manager):
    assert orders_page(client, desk["b"]["id"]).status_code == 403
    assert orders_page(client, desk["a"]["id"], kind="retail").status_code == 403


def test_orders_page_pages_by_thirty(client, api, desk):
    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    for _ in range(31):
        restock(api, desk["driver"], desk["a"], desk["cola"], 1)
    first = outputs(orders_page(client, desk["a"]["id"]))
    assert str(first[f"{ids.ORDERS_TABLE}.children"]).count("order-row") == 30
    assert first[f"{ids.ORDERS_NEXT}.disabled"] is False
    second = outputs(call(client, f"{ids.ORDERS_TABLE}.children", [None, 1, desk["a"]["id"], "wholesale", "all",
                                                                    None, None], [1],
                          changed=f"{ids.ORDERS_NEXT}.n_clicks"))
    assert second[f"{ids.ORDERS_PAGE}.data"] == 2
    assert str(second[f"{ids.ORDERS_TABLE}.children"]).count("order-row") == 2  # 33 orders at A in all


def report_links(client, station, kind="wholesale", start="2026-11-01", end="2026-11-30", groups=("day",)):
    return call(client, f"{ids.REPORT_SALES_LINK}.href", [kind, station, start, end, list(groups), []])


def test_report_links_carry_the_managers_station(client, desk, manager):
    got = outputs(report_links(client, desk["a"]["id"], groups=("day", "product")))
    href = got[f"{ids.REPORT_SALES_LINK}.href"]
    assert href.startswith("/api/v1/reports/sales.csv?") and f"station_id={desk['a']['id']}" in href
    assert "group_by=day%2Cproduct" in href
    assert client.get(href).status_code == 200  # the session downloads it
    assert report_links(client, desk["b"]["id"]).status_code == 403
    assert report_links(client, desk["a"]["id"], kind="retail").status_code == 403
    too_long = outputs(report_links(client, desk["a"]["id"], start="2025-01-01", end="2026-11-30"))
    assert "366" in too_long[f"{ids.REPORT_ERROR}.children"] and too_long[f"{ids.REPORT_SALES_LINK}.href"] is None


def test_devices_page_and_stock_are_for_admins(client, api, desk, manager):
    assert client.get("/console/devices").status_code == 403
    stock = call(client, f"{ids.DEVICES_STOCK}.children", [{"rowId": "1", "colId": "serial"}])
    assert stock.status_code == 403


def test_device_stock_on_click(client, api, desk):
    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    api.post(f"/replenishments/{desk['order_a']['id']}/pickup", {})
    device = api.get("/devices").get_json()["items"][0]["id"]
    got = outputs(call(client, f"{ids.DEVICES_STOCK}.children", [{"rowId": str(device), "colId": "serial"}]))
    text = str(got[f"{ids.DEVICES_STOCK}.children"])
    assert desk["cola"]["sku"] in text and "10" in text


def test_desk_chart_is_seven_days_on_a_category_axis(client, desk, manager):
    figure = outputs(refresh(client, desk["a"]["id"]))[f"{ids.SALES_7D}.figure"]
    assert figure["layout"]["xaxis"]["type"] == "category"  # MM-DD read as dates spread over years
    labels = figure["data"][0]["x"]
    assert len(labels) == 7 and all(len(x) == 5 and x[2] == "-" for x in labels)
    assert figure["data"][0]["text"][-1] == "¥21.00"  # today's 10 × ¥2.10 at A


def test_orders_show_product_names_device_labels_and_payment_labels(client, api, desk):
    from datetime import datetime, timezone

    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    device = api.device(desk["driver"]["id"])
    sale = api.post("/purchases", {"occurred_at": datetime.now(timezone.utc).isoformat(),
                                   "items": [{"sku": desk["cola"]["sku"], "quantity": 1}],
                                   "payment": {"method": "wechat", "reference": "w-1"}},
                    token=device["api_key"], headers={"Idempotency-Key": "w-1"})
    assert sale.status_code == 201
    wholesale = str(outputs(orders_page(client, desk["a"]["id"]))[f"{ids.ORDERS_TABLE}.children"])
    assert "Cola ×10" in wholesale and desk["cola"]["sku"] not in wholesale
    retail = str(outputs(orders_page(client, 0, kind="retail"))[f"{ids.ORDERS_TABLE}.children"])
    assert "微信 WeChat" in retail and f"{device['serial']} · 沪A·12345" in retail and "Cola ×1" in retail


def test_report_preview_shows_the_first_rows_and_retail_disables_the_station(client, api, desk):
    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    from datetime import datetime

    today = datetime.now(client.application.config["BUYFREE"].tz).date().isoformat()
    got = outputs(report_links(client, desk["a"]["id"], start=today, end=today, groups=("day", "product")))
    preview = str(got[f"{ids.REPORT_PREVIEW}.children"])
    assert "product_name" in preview and "Cola" in preview and "21.00" in preview and "All 1 rows" in preview
    assert outputs(call(client, f"{ids.REPORT_GROUPS}.options", ["retail"]))[f"{ids.REPORT_STATION}.disabled"] is True
    assert outputs(call(client, f"{ids.REPORT_GROUPS}.options", ["wholesale"]))[f"{ids.REPORT_STATION}.disabled"] is False


def test_a_device_without_any_stock_shows_a_stock_alert(client, api, desk):
    from dashboard.console.devices import NO_STOCK, all_devices
    from store import get_store

    api.post(f"/replenishments/{desk['order_a']['id']}/pickup", {})  # the driver's device gets 10 Cola
    empty = api.device(desk["driver"]["id"])
    rows = {r["id"]: r for r in all_devices(get_store(client.application))}
    assert rows[empty["id"]]["stock_alerts"] == NO_STOCK
    assert all(r["stock_alerts"] != NO_STOCK for i, r in rows.items() if i != empty["id"])
