"""CSV reports (API.md "CSV reports"): streamed ``text/csv`` for tokens and console sessions.

Who may read (API.md "Queries"): an admin token or admin user everything; a
station token, or a station manager signed in to the console (the download
buttons send the session cookie, not a token), only its own station's
wholesale figures. Driver and device tokens read no reports.
"""
from __future__ import annotations

from flask import Blueprint, Response, g

from analytics import reports
from api.auth import Principal, token_or_session
from api.errors import Forbidden
from api.routing import ROUTES, endpoint
from api.schemas.reports import ReportQuery, SalesQuery
from store import get_store

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
READERS = ("admin", "station")


@bp.before_request
def _reader():
    """Who asks, before the query is read: 401/403 come before 422."""
    token_or_session(READERS)


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
