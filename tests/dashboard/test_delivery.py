"""What the browser downloads: the bundles a page uses, compressed, with cache headers."""
from __future__ import annotations

import re

import brotli

from tests.helpers import console_user, sign_in

BR = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _scripts(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html)


def test_the_wall_leaves_out_the_grid_bundle_and_the_devices_page_has_it(api, client):
    screen = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()
    wall = client.get(screen["url"]).get_data(as_text=True)
    assert not [s for s in _scripts(wall) if "dash_ag_grid" in s]
    assert any("dash_core_components" in s for s in _scripts(wall))
    assert '<html lang="zh-CN">' in wall
    sign_in(client, console_user(api, role="admin")["username"])
    devices = client.get("/console/devices").get_data(as_text=True)
    assert any("dash_ag_grid" in s for s in _scripts(devices))


def test_pages_carry_regenerator_runtime_instead_of_the_babel_polyfill_and_no_table_bundle(api, client):
    screen = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()
    scripts = _scripts(client.get(screen["url"]).get_data(as_text=True))
    assert not [s for s in scripts if "polyfill" in s or "dash_table" in s], scripts
    (runtime,) = [s for s in scripts if "regenerator-runtime" in s]
    assert scripts.index(runtime) < min(i for i, s in enumerate(scripts) if "dash_renderer" in s)
    served = client.get(runtime, headers=BR)
    assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
    assert b"regeneratorRuntime = runtime" in brotli.decompress(served.data)


def test_plotly_is_the_partial_bundle_compressed(client):
    response = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js", headers=BR)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    body = brotli.decompress(response.data)
    assert b"plotly.js (basic - minified)" in body[:200]
    assert len(response.data) < 450_000 < 1_000_000 < len(body)  # about 1.2 MB on the wire as ~0.4 MB
    assert "max-age" in response.headers["Cache-Control"]


def test_versioned_assets_are_cached_for_a_year_and_pages_are_compressed(client):
    index = client.get("/login", headers=BR)
    assert index.headers.get("Content-Encoding") in (None, "br")  # a small page may go as it is
    screen_css = client.get("/assets/screen.css?m=123", headers=BR)
    assert screen_css.headers["Content-Encoding"] == "br"
    assert "immutable" in screen_css.headers["Cache-Control"] and "max-age=31536000" in screen_css.headers["Cache-Control"]
    plain = client.get("/assets/map/driver-layer.js", headers=BR)
    assert "max-age=3600" in plain.headers["Cache-Control"]
    suites = [s for s in _scripts(client.get("/login?next=/screen").get_data(as_text=True))]
    assert suites == []  # the sign-in page is server-rendered: no script at all


def test_the_api_is_not_compressed(client):
    response = client.get("/api/v1/openapi.json", headers=BR)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
