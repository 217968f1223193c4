"""GET /api/v1/stream: who may watch which scope, what a station's screen receives (the
events' payloads, not only the status), and streams ending when their rights do."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.helpers import ADMIN_TOKEN, console_user, restock, sign_in
from tests.stream.client import SseClient

PATH = "/api/v1/stream"


@pytest.fixture
def world(api):
    a = api.station(name="A station")
    b = api.station(name="B station")
    cola = api.product(name="Cola A", supply_price_cents=210)
    chips = api.product(name="Chips B", supply_price_cents=480)
    for station in (a, b):
        api.stock(station["id"], [{"sku": p["sku"], "quantity": 100, "on_shelf": True} for p in (cola, chips)])
    one, two = api.driver(car_plate="沪A·S0001"), api.driver(car_plate="沪A·S0002")
    device = api.device(one["id"])
    kiosks = {name: api.post("/screens", {"label": name, "station_id": sid}).get_json()
              for name, sid in (("platform", None), ("a", a["id"]), ("b", b["id"]))}
    return {"a": a, "b": b, "cola": cola, "chips": chips, "one": one, "two": two, "device": device, "kiosks": kiosks}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def open_stream(live_server, query: str = "", headers=None) -> SseClient:
    return SseClient(live_server, PATH + (f"?{query}" if query else ""), headers)


def status_of(live_server, query: str = "", headers=None) -> int:
    client = open_stream(live_server, query, headers)
    try:
        if client.status != 200:
            body = client.body()  # every refusal is problem+json naming the status
            assert client.headers["content-type"] == "application/problem+json" and body["status"] == client.status
        return client.status
    finally:
        client.close()


def test_each_credential_watches_its_own_scopes_only(live_server, world, api, client):
    a, b = world["a"]["id"], world["b"]["id"]
    kiosks = world["kiosks"]
    admin, station = bearer(ADMIN_TOKEN), bearer(world["a"]["api_key"])
    cases = [
        ("", None, 401), ("", bearer("no-such-token-at-all"), 401),
        ("", admin, 200), (f"scope=station:{a}", admin, 200), ("scope=station:999999", admin, 404),
        ("scope=driver:1", admin, 422), ("scope=nonsense", admin, 422),
        ("", station, 200), (f"scope=station:{a}", station, 200), ("scope=platform", station, 403),
        (f"scope=station:{b}", station, 403),
        ("", bearer(world["one"]["api_key"]), 403), ("", bearer(world["device"]["api_key"]), 403),
        (f"kiosk={kiosks['platform']['token']}", None, 200),
        (f"kiosk={kiosks['platform']['token']}&scope=station:{a}", None, 403),
        (f"kiosk={kiosks['a']['token']}", None, 200), (f"kiosk={kiosks['a']['token']}&scope=station:{a}", None, 200),
        (f"kiosk={kiosks['a']['token']}&scope=platform", None, 403),
        (f"kiosk={kiosks['a']['token']}&scope=station:{b}", None, 403),
        ("kiosk=not-a-kiosk-token", None, 401), ("kiosk=", None, 422),
    ]
    got = [(query, status_of(live_server, query, headers)) for query, headers, _ in cases]
    assert got == [(query, status) for query, _, status in cases]

    manager = console_user(api, station_id=a)
    admin_user = console_user(api, role="admin")
    for user, query, status in ((manager, "", 200), (manager, f"scope=station:{a}", 200), (manager, "scope=platform", 403),
                                (manager, f"scope=station:{b}", 403), (admin_user, "", 200),
                                (admin_user, f"scope=station:{b}", 200)):
        assert sign_in(client, user["username"]).status_code == 302
        cookie = {"Cookie": f"session={client.get_cookie('session').value}"}
        assert (user["username"], query, status_of(live_server, query, cookie)) == (user["username"], query, status)


def _sale_at(api, world, station_key: str, quantity: int) -> dict:
    driver = world["one"] if station_key == "a" else world["two"]
    product = world["cola"] if station_key == "a" else world["chips"]
    return restock(api, driver, world[station_key], product, quantity)


def test_a_station_kiosk_receives_its_station_only(live_server, world, api):
    a, b = world["a"]["id"], world["b"]["id"]
    _sale_at(api, world, "b", 7)  # B's order waits on the map before the screens open
    wall_a = open_stream(live_server, f"kiosk={world['kiosks']['a']['token']}")
    wall = open_stream(live_server, f"kiosk={world['kiosks']['platform']['token']}")
    assert (wall_a.status, wall.status, wall_a.headers["content-type"]) == (200, 200, "text/event-stream; charset=utf-8")
    first = wall_a.wait_for(lambda name, data: name == "figures", what="the figures at once")
    assert first[1] != "" and first[2]["scope"] == f"station:{a}"
    order_a = _sale_at(api, world, "a", 3)
    order_b = _sale_at(api, world, "b", 5)
    line = wall.wait_for(lambda name, data: name == "sale" and data["id"] == order_b["id"], what="B's sale on the platform")
    assert line[2]["station_id"] == b and line[2]["total_cents"] == order_b["total_cents"]
    wall_a.wait_for(lambda name, data: name == "sale" and data["id"] == order_a["id"], what="A's sale on A's screen")
    wall_a.wait_for(lambda name, data: name == "figures" and data["summary"]["today"]["orders"] == 1,
                    what="A's figures with A's order")
    wall.wait_for(lambda name, data: name == "figures" and data["summary"]["today"]["orders"] == 3,
                  what="the platform's figures with both stations' orders")
    wall_a.wait_for(lambda name, data: name == "drivers" and [f["id"] for f in data["features"]] == [world["one"]["id"]],
                    what="A's map with A's driver")
    wall_a.close()
    wall.close()
    seen = wall_a.received
    figures = [data for name, _, data in seen if name == "figures"]
    assert figures and all(f["scope"] == f"station:{a}" and f["summary"]["scope"] == f"station:{a}" for f in figures)
    assert all(row["station_id"] == a for f in figures for row in f["stations"]["items"])
    assert all(item["name"] != "Chips B" for f in figures for ranking in f["products"].values() for item in ranking["items"])
    assert "fleet" not in figures[-1] and "retail" not in figures[-1]  # the platform's counts and passenger sales
    assert [data["id"] for name, _, data in seen if name == "sale"] == [order_a["id"]]
    maps = [data for name, _, data in seen if name == "drivers"]
    assert all(f["properties"]["station_ids"] == [a] and f["id"] != world["two"]["id"] for m in maps for f in m["features"])
    assert all(name in ("figures", "sale", "drivers", ":") and event_id != "" for name, event_id, _ in seen if name != ":")


def test_a_purchase_reaches_the_platform_ticker(live_server, world, api):
    wall = open_stream(live_server, "", bearer(ADMIN_TOKEN))
    wall.wait_for(lambda name, data: name == "figures", what="the figures at once")
    body = {"occurred_at": datetime.now(timezone.utc).isoformat(), "items": [{"sku": world["cola"]["sku"], "quantity": 2}],
            "payment": {"method": "cash", "reference": "s-1"}}
    sale = api.post("/purchases", body, token=world["device"]["api_key"], headers={"Idempotency-Key": "stream-1"}).get_json()
    line = wall.wait_for(lambda name, data: name == "sale" and data["id"] == sale["id"], what="the purchase's ticker line")
    assert (line[2]["kind"], line[2]["total_cents"], line[2]["car_plate"]) == ("retail", sale["total_cents"], "沪A·S0001")
    wall.wait_for(lambda name, data: name == "figures" and data["retail"]["today"]["amount_cents"] == sale["total_cents"],
                  what="the platform's passenger sales with the purchase")
    wall.close()


def test_a_revoked_kiosk_link_ends_its_streams_within_5_s(live_server, world, api):
    kiosk = world["kiosks"]["a"]
    walls = [open_stream(live_server, f"kiosk={kiosk['token']}") for _ in range(2)]
    other = open_stream(live_server, f"kiosk={world['kiosks']['b']['token']}")
    for wall in walls + [other]:
        wall.wait_for(lambda name, data: name == "figures", what="the figures at once")
    assert api.delete(f"/screens/{kiosk['id']}").status_code == 204
    assert all(wall.ended(timeout=5.0) for wall in walls)
    assert status_of(live_server, f"kiosk={kiosk['token']}") == 401
    assert not other.ended(timeout=0.5)  # another link's stream goes on
    other.close()


def test_a_signed_out_session_ends_its_stream(live_server, world, api, client):
    manager = console_user(api, station_id=world["a"]["id"])
    assert sign_in(client, manager["username"]).status_code == 302
    cookie = {"Cookie": f"session={client.get_cookie('session').value}"}
    desk = open_stream(live_server, "", cookie)
    desk.wait_for(lambda name, data: name == "figures" and data["scope"] == f"station:{world['a']['id']}",
                  what="the manager's station figures")
    page = client.get("/logout").get_data(as_text=True)
    from tests.helpers import csrf_from

    assert client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert desk.ended(timeout=5.0)
    assert status_of(live_server, "", cookie) == 401  # the old cookie still carries a valid signature


def test_openapi_describes_the_stream(client):
    op = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/stream"]["get"]
    assert {p["name"] for p in op["parameters"] if p["in"] == "query"} == {"scope", "kiosk"}
    assert "text/event-stream" in op["responses"]["200"]["content"]


def test_a_burst_of_sales_sends_the_newest_few_lines_and_a_new_screen_the_whole_ticker(live_server, world, api):
    """20 passenger sales uploaded at once land in one window: the open wall gets the newest
    ``SALES_PER_WINDOW`` lines of them, not 20 (nobody reads 100 lines a second off a ticker), and a
    wall that joins afterwards gets the ticker's 12 newest."""
    from stream.hub import SALES_PER_WINDOW

    wall = open_stream(live_server, "", bearer(ADMIN_TOKEN))
    wall.wait_for(lambda name, data: name == "figures", what="the figures at once")
    now = datetime.now(timezone.utc)
    entries = [{"idempotency_key": f"burst-{n}", "occurred_at": now.isoformat(),
                "items": [{"sku": world["cola"]["sku"], "quantity": 1}],
                "payment": {"method": "cash", "reference": f"burst-{n}"}} for n in range(20)]
    reply = api.post("/purchases/batch", {"purchases": entries}, token=world["device"]["api_key"])
    assert reply.status_code == 200, reply.get_json()
    ids = [result["id"] for result in reply.get_json()["results"]]
    wall.wait_for(lambda name, data: name == "figures" and data["retail"]["today"]["orders"] == 20,
                  what="the figures with the 20 sales")
    lines = [data["id"] for name, _, data in wall.received if name == "sale" and data["id"] in ids]
    assert 1 <= len(lines) <= SALES_PER_WINDOW and ids[-1] in lines
    wall.close()
    joining = open_stream(live_server, "", bearer(ADMIN_TOKEN))
    joining.wait_for(lambda name, data: name == "figures", what="the figures at once")
    joining.wait_for(lambda name, data: name == "sale" and data["id"] == ids[-1], what="the newest line")
    assert len([1 for name, _, _ in joining.received if name == "sale"]) == 12
    joining.close()
