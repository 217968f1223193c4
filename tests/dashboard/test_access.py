"""Who gets the big screen: HTTP statuses a wall, a browser or a scraper would see."""


def test_screen_needs_sign_in(client):
    response = client.get("/screen")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_kiosk_link_serves_the_wall_until_revoked(api, client):
    screen = api.post("/screens", {"label": "Lobby", "station_id": None}).get_json()
    assert client.get(screen["url"]).status_code == 200
    assert client.get(screen["url"] + "/map.html").status_code == 200
    assert api.delete(f"/screens/{screen['id']}").status_code == 204
    assert client.get(screen["url"]).status_code == 404
    assert client.get(screen["url"] + "/map.html").status_code == 404
    assert client.get(screen["url"] + "/drivers.json").status_code == 404


def test_unknown_kiosk_token_is_404(client):
    assert client.get("/screen/k/bfk_not-a-real-token").status_code == 404


def test_dash_does_not_shadow_unknown_paths(client):
    """Dash answers any GET with its index; unknown paths must stay 404 (API ones as problem+json)."""
    assert client.get("/no-such-page").status_code == 404
    api_miss = client.get("/api/v1/no-such-endpoint")
    assert api_miss.status_code == 404 and api_miss.mimetype == "application/problem+json"
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/").headers["Location"] == "/screen"


def test_map_uses_only_local_scripts_and_the_configured_tiles(api, client, app):
    station = api.station(name="Lujiazui Depot")
    screen = api.post("/screens", {"label": "Depot", "station_id": station["id"]}).get_json()
    html = client.get(screen["url"] + "/map.html").get_data(as_text=True)
    assert "https://cdn" not in html and "/assets/vendor/leaflet/leaflet.js" in html
    assert f"{screen['url']}/drivers.json" in html  # the kiosk's own feed, authorised by its link
    assert "Lujiazui Depot" in html
    assert "tile.openstreetmap.org" in html  # BUYFREE_MAP_TILES default
    for asset in ("/assets/vendor/leaflet/leaflet.js", "/assets/vendor/leaflet-realtime/leaflet-realtime.min.js",
                  "/assets/map/driver-layer.js", "/assets/map/map.css", "/assets/screen.css"):
        assert client.get(asset).status_code == 200, asset


def test_station_kiosk_map_shows_only_its_station(api, client):
    mine, other = api.station(name="Mine Depot"), api.station(name="Other Depot")
    screen = api.post("/screens", {"label": "Mine", "station_id": mine["id"]}).get_json()
    html = client.get(screen["url"] + "/map.html").get_data(as_text=True)
    assert "Mine Depot" in html and "Other Depot" not in html


def test_a_walls_tick_looks_its_kiosk_link_up_once_and_the_next_tick_sees_a_revocation(api, app, store):
    from sqlalchemy import event

    from dashboard import access

    station = api.station(name="Tick Depot")
    screen = api.post("/screens", {"label": "Tick", "station_id": station["id"]}).get_json()
    token = screen["url"].rsplit("/", 1)[1]
    lookups = []

    def count(_conn, _cursor, statement, *_args):
        if "screens" in statement:
            lookups.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/_dash-update-component", method="POST"):
            scopes = [access.resolve_for_tick(token, 7) for _ in range(5)]  # the five callbacks of tick 7
            assert len(lookups) == 1
            assert {s.station_id for s in scopes} == {station["id"]}
            assert api.delete(f"/screens/{screen['id']}").status_code == 204
            lookups.clear()
            assert access.resolve_for_tick(token, 8) is None  # the next tick looks again: revoked
            assert len(lookups) == 1
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
