"""A request id per request: taken from ``X-Request-ID`` or made here, echoed back, in every log line.

A proxy or a client that already has an id (a device retrying, a load balancer)
keeps its own, so one id follows a request across systems; an id that is
missing or not a plain token is replaced, so nothing a client sends can forge
log lines.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request

from config.logging import request_id_var

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

access_log = logging.getLogger("buyfree.access")


def incoming_or_new(value: str | None) -> str:
    if value and _VALID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    @app.before_request
    def _assign():
        g.request_id = incoming_or_new(request.headers.get(HEADER))
        g.request_id_token = request_id_var.set(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _echo(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
            if access_log.isEnabledFor(logging.INFO):
                started = g.get("request_started")
                access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                    "request_id": request_id, "method": request.method, "path": request.path, "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    "remote_addr": request.remote_addr,
                })
        return response

    @app.teardown_request
    def _forget(exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                request_id_var.reset(token)
            except ValueError:  # set in another context (a copied context): nothing to undo here
                request_id_var.set(None)
