"""Operations endpoints and the OpenAPI document."""
from app import create_app
from tests.helpers import closed_port as _closed_port


def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("status", "postgres", "redis")} == {"status": "ok", "postgres": "ok", "redis": "ok"}
    assert body["stream"] == "workers"  # no stream process beside this app: each process serves its own


def test_readyz_says_when_the_configured_stream_process_does_not_answer(settings, tmp_path):
    app = create_app(settings.model_copy(update={"stream_socket": tmp_path / "nobody.sock"}), dashboard=False)
    assert app.test_client().get("/readyz").get_json()["stream"] == "down"  # the workers serve streams meanwhile



def test_readyz_degraded_when_redis_down(settings):
    app = create_app(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"}), dashboard=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded" and response.get_json()["redis"] == "down"


def test_readyz_503_when_postgres_down(settings):
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nothing"
    app = create_app(settings.model_copy(update={"database_url": url}), dashboard=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["postgres"] == "down"


def test_postgres_down_gives_503_problem_on_api(settings):
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nothing"
    app = create_app(settings.model_copy(update={"database_url": url}), dashboard=False)
    response = app.test_client().get("/api/v1/stations", headers={"Authorization": "Bearer bfs_whatever"})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "Traceback" not in response.get_data(as_text=True) and "SELECT" not in response.get_data(as_text=True)


def test_metrics_prometheus_text(client, api):
    api.get("/stations")
    text = client.get("/metrics").get_data(as_text=True)
    assert "buyfree_http_requests_total" in text and 'endpoint="/api/v1/stations"' in text


def test_openapi_describes_the_catalogue(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]["/api/v1/stations"]) == {"get", "post"}
    post = doc["paths"]["/api/v1/stations"]["post"]
    schema_ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"name", "address", "lat", "lng"}
    assert "201" in post["responses"] and "422" in post["responses"]
    assert doc["paths"]["/api/v1/stations/{station_id}/stock"]["put"]["parameters"][0]["name"] == "station_id"
