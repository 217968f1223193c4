"""The HTTP API (API.md): blueprints under ``/api/v1``, auth, errors, OpenAPI, operations."""
from __future__ import annotations

from flask import Flask

from api import errors, http, metrics, ops, request_id, routing, status  # noqa: F401  (status registers the scheduler's readyz/metrics readers)


def init_app(app: Flask) -> None:
    from api import (alerts, catalogue, creatives, drivers, openapi, orders, payments, purchases, replenishments,
                     reports)

    request_id.init_app(app)  # first: every later hook and log line sees the id
    routing.init_app(app)  # the path converters, before any blueprint adds its rules
    http.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)
    ops.init_app(app)
    for blueprint in (catalogue.bp, openapi.bp, reports.bp, purchases.bp, replenishments.bp, drivers.bp, orders.bp,
                      creatives.bp, alerts.bp, payments.bp):
        app.register_blueprint(blueprint)
    from api import queries  # the live figures (analytics.queries)

    app.register_blueprint(queries.bp)
    from api import stream  # the live stream (stream/)

    app.register_blueprint(stream.bp)
