"""``GET /api/v1/openapi.json``: built from the routes' pydantic schemas."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.routing import ROUTES
from api.schemas.common import Problem

bp = Blueprint("openapi", __name__)
REF = "#/components/schemas/{model}"
ERROR_CODES = {400: "Malformed request", 401: "Missing or unknown token", 403: "Not allowed for this token",
               404: "Unknown id", 409: "Conflict", 422: "A field breaks a rule", 429: "Rate limited",
               503: "PostgreSQL unavailable"}


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
            paths.setdefault(path, {})[method.lower()] = _operation(route, path, ref)
    return {"openapi": "3.1.0",
            "info": {"title": "BuyFree API", "version": "1.0.0",
                     "description": "Real-time sales analytics for in-car vending. Money in fen, times RFC 3339."},
            "servers": [{"url": "/"}], "paths": paths,
            "components": {"schemas": components,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}


def _is_input(model) -> bool:
    return model.__name__.endswith(("In", "Query"))


def _operation(route, path: str, ref: dict) -> dict:
    op = {"summary": route.summary, "tags": [route.tag],
          "operationId": f"{route.methods[0].lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"}
    params = [{"name": n, "in": "path", "required": True,
               "schema": {"type": "integer" if converter == "int:" else "string"}}
              for converter, n in re.findall(r"<(\w+:)?(\w+)>", route.rule)]  # ids of orders are strings
    if route.query is not None:
        for name, field in route.query.model_fields.items():
            name = field.alias or name  # `from` is a Python keyword: the model field is `from_`
            params.append({"name": name, "in": "query", "required": field.is_required(),
                           "schema": route.query.model_json_schema()["properties"].get(name, {})})
    for header in route.headers:
        params.append({"name": header, "in": "header", "required": True, "schema": {"type": "string"}})
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref[route.body]}}}
    if route.auth is not None:
        op["security"] = [{"bearer": []}]
        op["description"] = "Tokens: " + ", ".join(route.auth)
    responses = {}
    for status, model in route.responses.items():
        if model is None:
            responses[str(status)] = {"description": "No content"}
        elif isinstance(model, str):
            responses[str(status)] = {"description": "OK", "content": {model: {"schema": {"type": "string"}}}}
        else:
            responses[str(status)] = {"description": "OK",
                                      "content": {route.content_type: {"schema": ref[model]}}}
    for status, text in ERROR_CODES.items():
        responses.setdefault(str(status), {"description": text, "content": {
            "application/problem+json": {"schema": ref[Problem]}}})
    op["responses"] = responses
    return op


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(build_document())
