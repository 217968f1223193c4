"""The served OpenAPI document says what the server enforces (issue 14): statuses, bounds, patterns,
the pickup body, who may call what."""
import pytest

ID_MAX = 2**31 - 1


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_body_taking_operation_documents_413_415_and_400(document):
    with_body = [(p, m, op) for p, m, op in _operations(document) if "requestBody" in op]
    assert len(with_body) >= 15
    for path, method, op in with_body:
        json_body = "application/json" in op["requestBody"]["content"]  # a JSON field that breaks a rule: 422
        assert {"400", "413", "415"} | ({"422"} if json_body else set()) <= set(op["responses"]), (method, path)


def test_every_operation_documents_414_and_431(document):
    for path, method, op in _operations(document):
        assert {"414", "431"} <= set(op["responses"]), (method, path)


def test_405_is_described_with_its_allow_header(document):
    response = document["components"]["responses"]["MethodNotAllowed"]
    assert "Allow" in response["headers"]


def test_the_idempotency_key_has_its_length_and_pattern(document):
    post = document["paths"]["/api/v1/purchases"]["post"]
    header = next(p for p in post["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key")
    assert header["schema"]["minLength"] == 1 and header["schema"]["maxLength"] == 255
    assert header["schema"]["pattern"] == "^[ -~]+$"


def test_path_ids_are_bounded(document):
    ids = [p for _, _, op in _operations(document) for p in op.get("parameters", [])
           if p["in"] == "path" and p["schema"].get("type") == "integer"]
    assert len(ids) >= 3
    for parameter in ids:
        assert parameter["schema"]["minimum"] == 1 and parameter["schema"]["maximum"] == ID_MAX


def test_query_ids_are_bounded(document):
    parameters = document["paths"]["/api/v1/orders"]["get"]["parameters"]
    device = next(p for p in parameters if p["name"] == "device_id")
    schema = device["schema"].get("anyOf", [device["schema"]])[0]
    assert schema["minimum"] == 1 and schema["maximum"] == ID_MAX


def test_the_pickup_body_is_documented_and_optional(document):
    op = document["paths"]["/api/v1/replenishments/{order_id}/pickup"]["post"]
    assert op["requestBody"]["required"] is False
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "device_id" in document["components"]["schemas"][ref]["properties"]


def test_texts_refuse_nul_and_latitudes_the_mercator_band(document):
    station = document["components"]["schemas"]["StationIn"]["properties"]
    assert "\\u0000" in station["name"]["pattern"] or "\x00" in station["name"]["pattern"]
    assert station["lat"]["maximum"] == 85.05112878 and station["lat"]["minimum"] == -85.05112878


def test_security_names_the_token_kinds_that_may_call(document):
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"admin", "station", "driver", "device"}
    balance = document["paths"]["/api/v1/accounts/{owner}/balance"]["get"]["security"]
    assert {name for alternative in balance for name in alternative} == {"admin", "station", "driver"}
    purchase = document["paths"]["/api/v1/purchases"]["post"]["security"]
    assert {name for alternative in purchase for name in alternative} == {"device", "admin"}
