"""X-Request-ID: a client's id is kept and echoed, a missing or unsafe one replaced; log lines carry it."""
import logging
import re


def test_client_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42"


def test_missing_id_is_made_and_differs_per_request(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_unsafe_id_is_replaced(client):
    sent = "x" * 200
    got = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert got != sent and re.fullmatch(r"[0-9a-f]{32}", got)
    got = client.get("/healthz", headers={"X-Request-ID": "a b\tc"}).headers["X-Request-ID"]
    assert " " not in got and "\t" not in got


def test_errors_carry_the_id_too(client):
    response = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "trace-404"})
    assert response.status_code == 404 and response.headers["X-Request-ID"] == "trace-404"


def test_access_log_line_has_the_id_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="buyfree.access"):
        client.get("/api/v1/stations", headers={"X-Request-ID": "trace-1"})
    [record] = [r for r in caplog.records if r.name == "buyfree.access"]
    assert record.request_id == "trace-1" and record.status == 401 and record.path == "/api/v1/stations"
    assert record.duration_ms >= 0
