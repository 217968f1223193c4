def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_create_station(api):
    s = api.station(name="People's Square")
    assert s["name"] == "People's Square" and s["api_key"].startswith("bfs_")
    r = api.get("/stations", token=s["api_key"])
    assert [x["id"] for x in r.get_json()["items"]] == [s["id"]]
