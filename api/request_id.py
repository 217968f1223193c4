"""A request id per request: taken from ``X-Request-ID`` or made here, echoed back, in every log line.

A proxy or a client that already has an id (a device retrying, a load balancer)
keeps its own, so one id follows a request across systems; an id that is
missing or not a plain token is replaced, so nothing a client sends can forge
log lines. New ids come from the process's generator (reseeded in every forked
worker), not from a system call per request as ``uuid4`` would make.
"""
from __future__ import annotations

import logging
import random
import re
import time

from flask import Flask, g, request

from config.logging import request_id_var

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

access_log = logging.getLogger("buyfree.access")


def incoming_or_new(value: str | None) -> str:
    if value and _VALID.fullmatch(value):
        return value
    return f"{random.getrandbits(128):032x}"


def init_app(app: Flask) -> None:
    @app.before_request
    def _assign():
        # g.request_started also times the request for api.metrics: one clock read per request
        g.request_started = time.perf_counter()
        g.request_id = request_id = incoming_or_new(request.environ.get("HTTP_X_REQUEST_ID"))
        g.request_id_token = request_id_var.set(request_id)

    @app.after_request
    def _echo(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
            if access_log.isEnabledFor(logging.INFO):
                started = g.get("request_started")
                req = request._get_current_object()
                access_log.info("%s %s %s", req.method, req.path, response.status_code, extra={
                    "request_id": request_id, "method": req.method, "path": req.path, "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    "remote_addr": req.remote_addr,
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
