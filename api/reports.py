"""CSV reports (API.md "CSV reports"): streamed ``text/csv`` for tokens and console sessions.

Who may read (API.md "Queries"): an admin token or admin user everything; a
station token, or a station manager signed in to the console (the download
buttons send the session cookie, not a token), only its own station's
wholesale figures. Driver and device tokens read no reports.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from analytics import reports
from api.auth import Principal, authenticate
from api.errors import Forbidden, Unauthorized
from api.routing import ROUTES, endpoint
from api.schemas.reports import ReportQuery, SalesQuery
from store import get_store

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
READERS = ("admin", "station")


def _session_principal() -> Principal | None:
    """The signed-in console user as a principal (Flask-Login is set up by the dashboard)."""
    if getattr(current_app, "login_manager", None) is None:
        return None
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    if current_user.role == "admin":
        return Principal("admin")
    if current_user.station_id is None:
        raise Forbidden("This account has no station")
    return Principal("station", current_user.station_id)


@bp.before_request
def _reader():
    """Who asks, before the query is read: 401/403 come before 422."""
    if request.headers.get("Authorization"):
        g.principal = authenticate(READERS)
        return
    principal = _session_principal()
    if principal is None:
        raise Unauthorized("Send `Authorization: Bearer <token>` or sign in to the console",
                           headers={"WWW-Authenticate": "Bearer"})
    g.principal = principal


def _spec(query: ReportQuery, group_by: str | None = None) -> reports.ReportSpec:
    principal: Principal = g.principal
    station_id = query.station_id
    if principal.kind == "station":
        if query.kind != "wholesale":
            raise Forbidden("A station reads its own station's wholesale reports")
        if station_id is not None and station_id != principal.id:
            raise Forbidden(f"This account may not read station {station_id}")
        station_id = principal.id
    return reports.build_spec(kind=query.kind, start=query.from_, end=query.to, group_by=group_by,
                              station_id=station_id, status=query.status)


def _csv(export: reports.CsvExport) -> Response:
    response = Response(export, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@endpoint(bp, "/reports/sales.csv", auth=None, query=SalesQuery, responses={200: "text/csv"})
def sales_csv(query: SalesQuery):
    """Sales per group (day, station, product, driver, device) with units, orders, amount_cents, amount."""
    return _csv(reports.sales_csv(get_store(), _spec(query, query.group_by), bom=query.bom))


@endpoint(bp, "/reports/orders.csv", auth=None, query=ReportQuery, responses={200: "text/csv"})
def orders_csv(query: ReportQuery):
    """One row per order line (wholesale) or purchase line (retail), oldest first."""
    return _csv(reports.orders_csv(get_store(), _spec(query), bom=query.bom))


# The blueprint checks the caller itself (tokens or a console session); document the tokens.
for _route in ROUTES:
    if _route.tag == bp.name:
        _route.auth = READERS
