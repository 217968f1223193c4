"""The one errors module: every failure leaves as ``application/problem+json`` (RFC 9457), except
what a person opened in a browser outside ``/api``: that gets the dashboard's page when it is mounted."""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, json, request
from pydantic import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NotFoundHTTP

from config import ERROR_PAGE
from config.http import PROBLEM, problem_text

log = logging.getLogger(__name__)



class ApiError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, status: int | None = None, title: str | None = None,
                 errors: list[dict] | None = None, type: str | None = None, headers: dict | None = None):
        super().__init__(detail or title or self.title)
        self.status = status or self.status
        self.title = title or self.title
        self.detail = detail
        self.errors = errors
        self.type = type
        self.headers = headers or {}


class BadRequest(ApiError):
    status, title = 400, "Bad request"


class Unauthorized(ApiError):
    status, title = 401, "Unauthorized"


class Forbidden(ApiError):
    status, title = 403, "Forbidden"


class NotFound(ApiError):
    status, title = 404, "Not found"


class Conflict(ApiError):
    status, title = 409, "Conflict"


class Unprocessable(ApiError):
    status, title = 422, "Unprocessable request"

    @classmethod
    def field(cls, field: str, message: str) -> "Unprocessable":
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class TooManyRequests(ApiError):
    status, title = 429, "Too many requests"


class Unavailable(ApiError):
    status, title = 503, "Service unavailable"


def field_path(loc) -> str:
    """``("items", 0, "quantity")`` → ``items[0].quantity``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def from_validation(exc: ValidationError, prefix: tuple = ()) -> Unprocessable:
    errors = [{"field": field_path(prefix + tuple(p for p in e["loc"] if p != "__root__")),
               "message": e["msg"].removeprefix("Value error, ")} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Unprocessable(detail, errors=errors)


def problem(status: int, title: str, detail: str | None = None, errors=None, type_: str | None = None,
            headers: dict | None = None) -> Response:
    response = Response(problem_text(status, title, detail, errors, type_), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return problem(exc.status, exc.title, exc.detail, exc.errors, exc.type, exc.headers)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        err = from_validation(exc)
        return problem(err.status, err.title, err.detail, err.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not _wants_problem():
            # A description the code set says more than Werkzeug's stock English sentence.
            own = exc.description if exc.description != type(exc).description else None
            return exc if (exc.code or 500) < 400 else _page(exc.code or 500, own, exc)
        allow = dict(exc.get_headers()).get("Allow")  # a 405 names the methods the path takes
        return problem(exc.code or 500, exc.name, exc.description, headers={"Allow": allow} if allow else None)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DataError)
    @app.errorhandler(DBAPIError)
    def _database(exc):
        if isinstance(exc, DataError):  # SQLSTATE 22: a value the input layer let through, Postgres not
            log.error("the database refused a value: %s", str(exc.orig).split("\n")[0])
            return problem(422, "Unprocessable request", "A value of this request cannot be stored")
        if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
            log.error("database unavailable: %s", exc.__class__.__name__)
            return problem(503, "Database unavailable", "PostgreSQL cannot be reached; retry later",
                           headers={"Retry-After": "5"})
        log.exception("database error")
        return problem(500, "Internal server error", "The request failed; it was logged")

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        if not _wants_problem() and _page_renderer() is not None:
            return _page(500, None, None)
        return problem(500, "Internal server error", "The request failed; it was logged")

    register_family(app)


def register_family(app: Flask) -> None:
    """Map each feature's exception family (they carry ``status``) to problem+json."""
    from analytics.errors import AnalyticsError
    from ingest.errors import IngestError

    @app.errorhandler(IngestError)
    @app.errorhandler(AnalyticsError)
    def _family(exc: IngestError | AnalyticsError):  # reports' ReportError is an AnalyticsError
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
        return problem(exc.status, exc.title, exc.detail, errors)


def _page_renderer():
    # Pages a person opens get the dashboard's page; Dash's own JSON requests keep the plain answer.
    if request.method not in ("GET", "HEAD") or request.path.startswith("/_dash"):
        return None
    return current_app.extensions.get(ERROR_PAGE)  # the dashboard's HTML pages, when mounted


def _page(status: int, detail: str | None, exc: HTTPException | None):
    render = _page_renderer()
    if render is None:
        return exc if exc is not None else problem(status, "Internal server error")
    return render(status, detail)


def api_paths_only():
    """Under /api/ only the API's routes answer (the dashboard's catch-all page must not): a path
    they do not route is a 404 whatever the method, a method they do not take a 405 with ``Allow``."""
    rule = request.url_rule
    if rule is None or not rule.rule.startswith("/api/"):
        allowed = api_methods(request.path)
        if allowed:
            raise MethodNotAllowed(valid_methods=allowed)
        raise NotFoundHTTP(description="No API endpoint has this path")
    if request.method == "OPTIONS":  # Flask's own answer would count the catch-all's GET in
        return Response(status=200, headers={"Allow": ", ".join(api_methods(request.path))})
    return None


def api_methods(path: str) -> list[str]:
    """The methods the API's routes take on ``path`` (a few failed matches: error paths only)."""
    adapter = current_app.url_map.bind("localhost")
    allowed = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.rule.startswith("/api/"):
            allowed |= rule.methods
    return sorted(allowed)


def _wants_problem() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz", "/metrics")
