"""The HTTP API (API.md): blueprints under ``/api/v1``, auth, errors, OpenAPI, operations."""
from __future__ import annotations

from flask import Flask

from api import errors, metrics, ops, status  # noqa: F401  (status registers the scheduler's readyz/metrics readers)


def init_app(app: Flask) -> None:
    from api import catalogue, openapi

    errors.init_app(app)
    metrics.init_app(app)
    ops.init_app(app)
    for blueprint in (catalogue.bp, openapi.bp):
        app.register_blueprint(blueprint)
