"""One decorator per endpoint: auth, pydantic validation, and the OpenAPI record."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError

from api.auth import authenticate
from api.errors import BadRequest, from_validation

MAX_BODY = 2 * 1024 * 1024


@dataclass
class Route:
    rule: str
    methods: tuple[str, ...]
    summary: str
    tag: str
    auth: tuple[str, ...] | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, Any] = field(default_factory=dict)
    headers: tuple[str, ...] = ()
    content_type: str = "application/json"


ROUTES: list[Route] = []


def endpoint(bp: Blueprint, rule: str, *, methods=("GET",), auth: tuple[str, ...] | None = ("admin",),
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             responses: dict[int, Any] | None = None, summary: str = "", headers: tuple[str, ...] = (),
             content_type: str = "application/json") -> Callable:
    """Register ``fn`` on ``bp``; it gets ``principal``, ``body``, ``query`` as asked."""

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs):
            if auth is not None:
                kwargs["principal"] = authenticate(auth)
            require_headers(headers)  # before the body: a missing header is a 400 whatever the body holds
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return fn(**kwargs)

        bp.add_url_rule(rule, fn.__name__, view, methods=list(methods))
        ROUTES.append(Route(rule=(bp.url_prefix or "") + rule, methods=tuple(methods),
                            summary=summary or (fn.__doc__ or "").strip().split("\n")[0], tag=bp.name,
                            auth=auth, body=body, query=query, responses=responses or {}, headers=headers,
                            content_type=content_type))
        return view

    return decorate


def require_headers(names: tuple[str, ...]) -> None:
    """400 naming the first required header that is missing or blank."""
    for name in names:
        if not request.headers.get(name, "").strip():
            raise BadRequest(f"Send the `{name}` header with this request", title="Missing header",
                             errors=[{"field": name, "message": "is required"}])


def json_body() -> Any:
    """The parsed JSON body: 415 for another content type, 400 when it is not JSON."""
    if not request.is_json:
        raise BadRequest("Send the body as JSON with `Content-Type: application/json`", status=415,
                         title="Unsupported media type")
    if (request.content_length or 0) > MAX_BODY:
        raise BadRequest("The body is larger than 2 MiB", status=413, title="Payload too large")
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The body is not valid JSON", title="Malformed JSON")
    return data


def parse_body(model: type[BaseModel]) -> BaseModel:
    data = json_body()
    if not isinstance(data, dict):
        raise from_validation_message("body", "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise from_validation(exc) from None


def from_validation_message(field_name: str, message: str):
    from api.errors import Unprocessable

    return Unprocessable.field(field_name, message)
