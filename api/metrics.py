"""Prometheus metrics: request counts and latencies, plus gauges read at scrape time.

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (the
serve command does) so that every worker's counts are summed.
"""
from __future__ import annotations

import os
import time
from typing import Callable

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("buyfree_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("buyfree_http_request_seconds", "HTTP request latency", ["method", "endpoint"],
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
PURCHASE_GROUPS = Histogram("buyfree_purchase_group_size", "Single purchases settled together (group commit)",
                            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 500))

GAUGES = "buyfree_gauges"  # app.extensions[GAUGES]: name -> (help, read); packages add theirs in init_app


def register_gauge(app: Flask, name: str, help_text: str, read: Callable) -> None:
    """``read(app)`` returns a number, or a dict of ``{label value: number}`` labelled ``job``."""
    app.extensions.setdefault(GAUGES, {})[name] = (help_text, read)


class _ScrapeCollector:
    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        for name, (help_text, read) in self.app.extensions.get(GAUGES, {}).items():
            try:
                with self.app.app_context():
                    value = read(self.app)
            except Exception:
                continue
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, help_text, labels=["key"])
                for key, number in value.items():
                    family.add_metric([str(key)], float(number))
            else:
                family = GaugeMetricFamily(name, help_text, value=float(value))
            yield family


def _children(method: str, endpoint: str, status: int):
    """The labelled counter and histogram of one kind of request, looked up once per process:
    ``labels()`` validates and locks on every call, a tenth of a request that does nothing."""
    key = (method, endpoint, status)
    pair = _CHILDREN.get(key)
    if pair is None:
        pair = _CHILDREN[key] = (REQUESTS.labels(method, endpoint, status), LATENCY.labels(method, endpoint))
    return pair


_CHILDREN: dict[tuple, tuple] = {}


def init_app(app: Flask) -> None:
    @app.after_request
    def _count(response):
        req = request._get_current_object()
        rule = req.url_rule
        endpoint = rule.rule if rule is not None else "unmatched"
        if endpoint.startswith(("/_dash", "/assets")):
            return response
        counter, latency = _children(req.method, endpoint, response.status_code)
        counter.inc()
        started = g.get("request_started")  # set by api.request_id, the first hook
        if started is not None:
            latency.observe(time.perf_counter() - started)
        return response

    scrape = _ScrapeCollector(app)

    @app.get("/metrics")
    def metrics():
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(registry)
        else:
            from prometheus_client import REGISTRY

            registry = REGISTRY
        body = generate_latest(registry) + generate_latest(_Single(scrape))
        return Response(body, content_type=CONTENT_TYPE_LATEST)  # it names its charset: mimetype would add another


class _Single(CollectorRegistry):
    """A throwaway registry holding only the scrape-time gauges."""

    def __init__(self, collector):
        super().__init__(auto_describe=False)
        self.register(collector)
