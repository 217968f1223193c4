"""One decorator per endpoint: auth, pydantic validation, and the OpenAPI record.

Path parameters use the API's converters: ``<id:name>`` an integer id 1..2,147,483,647,
``<ref:name>`` an opaque id (purchases, orders), ``<account:name>`` a ledger owner; anything else
in their place matches no route, a 404 (API.md "Strict input"). Bodies are read by ``api.http.json_body``, queries by the
``Query`` model: the shared input types of ``api.schemas.common`` do the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, Flask, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import BaseConverter, IntegerConverter

from api.auth import authenticate
from api.errors import BadRequest, Unprocessable, from_validation
from api.http import body_bytes, json_body
from api.schemas.common import ID_MAX


class IdConverter(IntegerConverter):
    """``<id:name>``: 1..2,147,483,647 written in ASCII digits (others: no match, a 404)."""
    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=ID_MAX)


class RefConverter(BaseConverter):
    """``<ref:name>``: an opaque id as the API hands them out (``ord_…``, ``pur_…``)."""
    regex = r"[A-Za-z0-9_-]{1,64}"


class AccountConverter(BaseConverter):
    """``<account:name>``: a ledger owner, ``driver:{id}`` or ``station:{id}``."""
    regex = r"(?:driver|station):[0-9]{1,10}"


CONVERTERS = {"id": IdConverter, "ref": RefConverter, "account": AccountConverter}


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
    body_required: bool = True
    errors: tuple[int, ...] = ()  # statuses the use case itself may answer (404 unknown, 409 conflict)
    raw_body: tuple[str, dict] | None = None  # (media type, JSON schema) of a body the view reads itself


ROUTES: list[Route] = []


def endpoint(bp: Blueprint, rule: str, *, methods=("GET",), auth: tuple[str, ...] | None = ("admin",),
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             responses: dict[int, Any] | None = None, summary: str = "", headers: tuple[str, ...] = (),
             content_type: str = "application/json", body_required: bool = True,
             errors: tuple[int, ...] = (), raw_body: tuple[str, dict] | None = None) -> Callable:
    """Register ``fn`` on ``bp``; it gets ``principal``, ``body``, ``query`` as asked.

    ``body_required=False``: no body at all stands for an empty object (``model()``). ``raw_body``
    documents a body that is no JSON model (a form, an upload) and that the view reads itself.
    """

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs):
            if auth is not None:
                kwargs["principal"] = authenticate(auth)
            require_headers(headers)  # before the body: a missing header is a 400 whatever the body holds
            if body is not None:
                kwargs["body"] = parse_body(body, required=body_required)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return fn(**kwargs)

        bp.add_url_rule(rule, fn.__name__, view, methods=list(methods))
        ROUTES.append(Route(rule=(bp.url_prefix or "") + rule, methods=tuple(methods),
                            summary=summary or (fn.__doc__ or "").strip().split("\n")[0], tag=bp.name,
                            auth=auth, body=body, query=query, responses=responses or {}, headers=headers,
                            content_type=content_type, body_required=body_required, errors=errors,
                            raw_body=raw_body))
        return view

    return decorate


def require_headers(names: tuple[str, ...]) -> None:
    """400 naming the first required header that is missing or blank."""
    for name in names:
        if not request.headers.get(name, "").strip():
            raise BadRequest(f"Send the `{name}` header with this request", title="Missing header",
                             errors=[{"field": name, "message": "is required"}])


def parse_body(model: type[BaseModel], required: bool = True) -> BaseModel:
    if not required and not request.content_length and not body_bytes():
        return model()
    data = json_body()
    if not isinstance(data, dict):
        raise Unprocessable.field("body", "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise from_validation(exc) from None


def init_app(app: Flask) -> None:
    """The converters, before any blueprint adds its rules."""
    app.url_map.converters.update(CONVERTERS)
