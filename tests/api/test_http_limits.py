"""API.md "Strict input", the HTTP side: body size however it is sent, methods, unknown paths,
over-long request lines and headers, and the media types — all of them problem+json."""
import requests

from tests.helpers import ADMIN_TOKEN, auth
from tests.ingest.world import key, problem, stamp, world  # noqa: F401

MiB = 1024 * 1024


def _purchase(pad: int) -> bytes:
    """A valid purchase padded with an unknown field (ignored by the API) to ``pad`` bytes."""
    head = ('{"occurred_at": "%s", "items": [{"sku": "COLA-330", "quantity": 1}], '
            '"payment": {"method": "cash"}, "pad": "' % stamp()).encode()
    return head + b"x" * (pad - len(head) - 2) + b'"}'


def _chunks(body: bytes, size: int = 64 * 1024):
    for start in range(0, len(body), size):
        yield body[start:start + size]


def test_a_chunked_body_over_2_mib_is_413(world, live_server):
    """Without a Content-Length the body is counted as it arrives; nothing is stored."""
    headers = {**auth(world.device["api_key"]), "Content-Type": "application/json", "Idempotency-Key": key()}
    reply = requests.post(live_server + "/api/v1/purchases", data=_chunks(_purchase(3 * MiB)), headers=headers,
                          timeout=60)
    assert reply.status_code == 413, reply.text[:300]
    assert reply.headers["Content-Type"] == "application/problem+json"
    small = requests.post(live_server + "/api/v1/purchases", data=_chunks(_purchase(100_000)),
                          headers={**headers, "Idempotency-Key": key()}, timeout=60)
    assert small.status_code == 201, small.text[:300]


def test_a_declared_body_over_2_mib_is_413(world):
    reply = world.api.client.post("/api/v1/purchases", data=_purchase(2 * MiB + 1), content_type="application/json",
                                  headers={**auth(world.device["api_key"]), "Idempotency-Key": key()})
    problem(reply, 413)


def test_a_method_a_path_does_not_take_is_405_with_allow(api):
    reply = api.get("/purchases")
    problem(reply, 405)
    assert "POST" in reply.headers["Allow"] and "GET" not in reply.headers["Allow"]
    reply = api.request("PATCH", "/stations")
    problem(reply, 405)
    assert {"GET", "POST"} <= {m.strip() for m in reply.headers["Allow"].split(",")}


def test_any_method_on_an_unknown_api_path_is_a_problem_404(api):
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        problem(api.request(method, "/api/v1/no-such-thing"), 404)
    problem(api.request("POST", "/api/v2/stations"), 404)


def test_a_body_that_is_not_json_is_415(api):
    reply = api.client.post("/api/v1/stations", data="name=S", content_type="application/x-www-form-urlencoded",
                            headers=auth(ADMIN_TOKEN))
    problem(reply, 415)


def test_metrics_names_its_charset_once(client):
    content_type = client.get("/metrics").headers["Content-Type"]
    assert content_type.count("charset") == 1, content_type
    assert content_type.startswith("text/plain")


def test_an_over_long_url_is_414_and_over_long_headers_431(api):
    problem(api.get("/stations?x=" + "a" * 9000), 414)
    problem(api.get("/stations", headers={"X-Long": "a" * 9000}), 431)
    problem(api.get("/stations", headers={f"X-Many-{n}": "a" for n in range(120)}), 431)
    assert api.get("/stations?x=" + "a" * 3000, headers={"X-Long": "a" * 3000}).status_code == 200
