"""Error pages a person meets: styled, in both languages, with the way back that fits them."""
from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import console_user, sign_in


def _page(response) -> BeautifulSoup:
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _links(soup) -> dict[str, str]:
    return {a["href"]: a.get_text(strip=True) for a in soup.select("nav a")}


def test_unknown_kiosk_link_is_a_styled_bilingual_404_with_sign_in(client):
    response = client.get("/screen/k/bfk_not-a-real-token")
    assert response.status_code == 404
    soup = _page(response)
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one(".code").get_text() == "404"
    assert soup.h1.get_text() == "页面不存在 Page not found"
    assert "大屏链接" in soup.select_one(".detail").get_text() and "revoked" in soup.select_one(".detail").get_text()
    assert _links(soup) == {"/login": "登录 Sign in"}
    assert soup.find("link", rel="icon")["href"] == "/favicon.ico"


def test_a_manager_on_an_admin_page_gets_a_403_with_the_console_navigation(api, client):
    station = api.station(name="Nav Depot")
    manager = console_user(api, station_id=station["id"])
    sign_in(client, manager["username"])
    response = client.get("/console/devices")
    assert response.status_code == 403
    soup = _page(response)
    assert soup.h1.get_text() == "无权访问 Forbidden"
    links = _links(soup)
    assert "/console" in links and "/console/orders" in links and "/screen" in links
    assert "/console/devices" not in links  # never a link back into the refusal
    assert "/login" not in links and "/logout" in links


def test_an_admin_on_an_unknown_page_gets_the_admin_navigation(api, client):
    admin = console_user(api, role="admin")
    sign_in(client, admin["username"])
    soup = _page(client.get("/console/nothing-here"))
    assert "/console/devices" in _links(soup)


def test_a_failing_page_is_a_styled_500_and_the_api_keeps_problem_json(app, client, monkeypatch):
    from dashboard import access

    def broken(_token):
        raise RuntimeError("boom")

    monkeypatch.setattr(access, "kiosk_scope", broken)
    response = client.get("/screen/k/bfk_anything")
    assert response.status_code == 500
    soup = _page(response)
    assert soup.h1.get_text() == "出错了 Something went wrong" and "boom" not in response.get_data(as_text=True)
    miss = client.get("/api/v1/nothing")
    assert miss.status_code == 404 and miss.mimetype == "application/problem+json"


def test_favicon_is_served_everywhere(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    index = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in index


def test_a_page_from_before_a_deploy_gets_a_400_to_reload_not_a_500(api, client):
    """A wall left open across a deploy sends callbacks the new server lacks, or with other inputs."""
    from dashboard import build_dash
    from tests.dashboard.dash_calls import _spec

    console_user(api, role="admin", username="stale-admin")
    sign_in(client, "stale-admin")
    key, spec = _spec("kpi-today.children")
    gone = {"output": "..kpi-gone.children..", "outputs": [{"id": "kpi-gone", "property": "children"}],
            "inputs": [], "state": [], "changedPropIds": []}
    fewer = {"output": key, "outputs": [], "inputs": [], "state": [], "changedPropIds": []}
    clientside = next(k for k, v in build_dash().callback_map.items() if "callback" not in v)
    drawn_in_browser = {"output": clientside, "outputs": [], "inputs": [], "state": [], "changedPropIds": []}
    for body in (gone, fewer, drawn_in_browser, {"output": 7}, ["not", "an", "object"]):
        reply = client.post("/_dash-update-component", json=body)
        assert reply.status_code == 400 and reply.mimetype == "application/problem+json", (body, reply.status_code)
        assert "reload" in reply.get_json()["detail"]
    assert spec["inputs"]  # the stale body above really had too few inputs
