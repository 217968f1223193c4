"""``GET /api/v1/openapi.json``: built from the routes' pydantic schemas and the shared input layer,
so that it says what the server enforces: bounds, patterns, the tokens each operation takes, and
every status an operation can answer (the fuzzer in tests/api/test_fuzz.py holds it to that)."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from config.http import MAX_BODY, MAX_HEADER_BYTES, MAX_HEADER_LINE, MAX_HEADERS, MAX_TARGET
from api.routing import ROUTES, Route
from api.schemas.common import ID_MAX, Problem
from api.schemas.ingest import IDEMPOTENCY_KEY_SCHEMA

bp = Blueprint("openapi", __name__)
REF = "#/components/schemas/{model}"
PROBLEMS = {400: "Malformed JSON (a duplicate key, nesting over 32 levels) or a missing header",
            401: "Missing or unknown token", 403: "Not allowed for this token", 404: "Unknown id",
            409: "Conflict", 413: f"The body is larger than {MAX_BODY // 1024 // 1024} MiB (however it is sent)",
            414: f"The request target is longer than {MAX_TARGET} bytes",
            415: "The body is not application/json", 422: "A field breaks a rule",
            502: "The payment provider (Alipay) is unreachable or refused",
            431: f"A header line over {MAX_HEADER_LINE} bytes, more than {MAX_HEADERS} or {MAX_HEADER_BYTES} bytes "
                 "of them", 503: "PostgreSQL (or, for live figures, Redis) unavailable"}
PATH_PARAMETERS = {"id": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                   "ref": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                   "account": {"type": "string", "pattern": "^(driver|station):[0-9]{1,10}$"}}
HEADERS = {"Idempotency-Key": IDEMPOTENCY_KEY_SCHEMA}
TOKENS = {"admin": "BUYFREE_ADMIN_TOKEN", "station": "a station's api_key", "driver": "a driver's api_key",
          "device": "a device's api_key"}


def build_document() -> dict:
    models: set[type[BaseModel]] = {Problem}
    for route in ROUTES:
        for model in (route.body, route.query, *route.responses.values()):
            if isinstance(model, type) and issubclass(model, BaseModel):
                models.add(model)
    ordered = sorted(models, key=lambda m: m.__name__)
    keys, schema = models_json_schema([(m, "validation" if _is_input(m) else "serialization") for m in ordered],
                                      ref_template=REF)
    components = schema.get("$defs", {})
    ref = {m: keys[(m, "validation" if _is_input(m) else "serialization")] for m in ordered}
    paths: dict = {}
    for route in ROUTES:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule)
        for method in route.methods:
            paths.setdefault(path, {})[method.lower()] = _operation(route, method, path, ref)
    return {"openapi": "3.1.0",
            "info": {"title": "BuyFree API", "version": "1.0.0",
                     "description": "Real-time sales analytics for in-car vending. Money in fen, times RFC 3339. "
                                    "A method a path does not take is a 405 with an `Allow` header; any "
                                    "other path under /api/ is a 404; every error is application/problem+json."},
            "servers": [{"url": "/"}], "paths": paths,
            "components": {"schemas": components,
                           "responses": {"MethodNotAllowed": {
                               "description": "The path does not take this method",
                               "headers": {"Allow": {"schema": {"type": "string"},
                                                     "description": "The methods it takes"}},
                               "content": {"application/problem+json": {"schema": ref[Problem]}}}},
                           "securitySchemes": {kind: {"type": "http", "scheme": "bearer", "description": text}
                                               for kind, text in TOKENS.items()}}}


def _is_input(model) -> bool:
    return model.__name__.endswith(("In", "Query"))


def statuses(route: Route) -> set[int]:
    """Every error status the operation can answer."""
    codes = {414, 431, 503, *route.errors}
    if route.auth is not None:
        codes |= {401, 403}
    if route.body is not None:
        codes |= {400, 413, 415, 422}
    if route.query is not None:
        codes.add(422)
    if route.headers:
        codes |= {400, 422}
    if "<" in route.rule:
        codes.add(404)
    return codes


def _operation(route: Route, method: str, path: str, ref: dict) -> dict:
    op = {"summary": route.summary, "tags": [route.tag],
          "operationId": f"{method.lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"}
    params = [{"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS.get(converter, {"type": "string"})}
              for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route.rule)]
    if route.query is not None:
        properties = route.query.model_json_schema(ref_template=REF)["properties"]
        for name, field in route.query.model_fields.items():
            name = field.alias or name  # `from` is a Python keyword: the model field is `from_`
            params.append({"name": name, "in": "query", "required": field.is_required(),
                           "schema": _query_schema(properties.get(name, {}))})
    for header in route.headers:
        params.append({"name": header, "in": "header", "required": True, "schema": HEADERS.get(header, {"type": "string"})})
    if params:
        op["parameters"] = params
    if route.raw_body is not None:
        op["requestBody"] = {"required": True, "content": {route.raw_body[0]: {"schema": route.raw_body[1]}}}
    if route.body is not None:
        op["requestBody"] = {"required": route.body_required,
                             "content": {"application/json": {"schema": ref[route.body]}}}
    if route.auth is not None:
        op["security"] = [{kind: []} for kind in route.auth]
        op["description"] = "Tokens: " + ", ".join(route.auth)
    responses = {}
    for status, model in route.responses.items():
        if model is None:
            responses[str(status)] = {"description": "No content"}
        elif isinstance(model, str):
            responses[str(status)] = {"description": "OK", "content": {model: {"schema": {"type": "string"}}}}
        elif isinstance(model, tuple):  # (media type, JSON schema): a stream's events
            responses[str(status)] = {"description": "OK", "content": {model[0]: {"schema": model[1]}}}
        else:
            responses[str(status)] = {"description": "OK",
                                      "content": {route.content_type: {"schema": ref[model]}}}
    for status in sorted(statuses(route)):
        responses.setdefault(str(status), {"description": PROBLEMS[status], "content": {
            "application/problem+json": {"schema": ref[Problem]}}})
    op["responses"] = responses
    return op


def _query_schema(schema: dict) -> dict:
    """A query string cannot send null: an optional parameter is one that is left out."""
    options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
    if len(options) == 1:
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}
    if schema.get("default", 0) is None:
        schema = {k: v for k, v in schema.items() if k != "default"}
    return schema


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(build_document())
