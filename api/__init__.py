"""The HTTP API (API.md): blueprints under ``/api/v1``, auth, errors, OpenAPI, operations."""
from __future__ import annotations

from flask import Blueprint, Flask

from api import errors, http, metrics, ops, request_id, routing, status


def blueprints() -> list[Blueprint]:
    """Every API blueprint; importing them records every route for the OpenAPI document."""
    from api import (alerts, catalogue, creatives, drivers, openapi, orders, payments, purchases, queries,
                     replenishments, reports, stream)

    return [catalogue.bp, openapi.bp, reports.bp, purchases.bp, replenishments.bp, drivers.bp, orders.bp,
            creatives.bp, alerts.bp, payments.bp,
            queries.bp,  # the live figures (analytics.queries)
            stream.bp]  # the live stream (stream/)


def init_app(app: Flask) -> None:
    request_id.init_app(app)  # first: every later hook and log line sees the id
    routing.init_app(app)  # the path converters, before any blueprint adds its rules
    http.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)
    ops.init_app(app)
    status.init_app(app)  # the scheduler's readings in /readyz and /metrics
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
