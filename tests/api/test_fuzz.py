"""An outside fuzzer against the served OpenAPI document: schemathesis, once per token kind.

Every operation of ``GET /api/v1/openapi.json`` gets schemathesis's examples, coverage
(boundaries, missing and unexpected parameters, unlisted methods) and fuzzing phases, valid and
invalid inputs, through the real app on the session's Postgres and Redis, with every check it
has: no 5xx, the reply's status, content type, headers and body as the document says, invalid
input refused, valid input taken. A fixed seed and a bounded number of examples keep the run
the same each time and short. What a run covered is printed at its end (operations, cases).
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from tests.helpers import ADMIN_TOKEN
from tests.ingest.world import build_world

pytestmark = pytest.mark.fuzz
KINDS = tuple(os.environ.get("BUYFREE_FUZZ_KINDS", "admin,station,driver,device").split(","))
MAX_EXAMPLES = 10  # per operation and generation phase
CONFIG = {
    "seed": 14,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    # Valid by the document, refused by a rule no schema can state (an unknown sku, a time outside
    # the late window, a field an admin token must add, one date after another): API.md's 422.
    # Any other refusal of schema-valid input (400, 413, 415) still fails the run.
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}},
    # A notification that fits the form but is not signed by Alipay: `fail` with 400 (API.md).
    "operations": [{"include-path": "/api/v1/payments/alipay/notify", "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "413"]}}},
        # An upload's type is read from its bytes: random bytes are no PNG, JPEG, WebP, MP4 or WebM (415).
        {"include-path": "/api/v1/ads/{ad_id}/creatives", "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "415", "422"]}}}],
    "warnings": False,
    "max-stream-events": 1,  # the live stream: its first event (the figures) is enough to check
}


COUNTS: dict[str, Counter] = {kind: Counter() for kind in KINDS}
STATUSES: dict[str, Counter] = {kind: Counter() for kind in KINDS}
WORLD: dict = {}  # the current test's stations and skus, for map_case
TIMES = ("occurred_at", "played_at", "recorded_at")


def _document_app():
    """The document as the API serves it, from an app that holds nothing but the document (the
    schema is loaded while tests are collected, before any database); the cases then go to the
    session's full app. test_the_fuzzed_document_is_the_served_one checks that both agree."""
    from flask import Flask

    import api
    from api.openapi import bp

    api.blueprints()  # imported: every route is recorded
    app = Flask(__name__)
    app.register_blueprint(bp)
    return app


DOCUMENT_APP = _document_app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", DOCUMENT_APP, config=schemathesis.Config.from_dict(CONFIG))


@schema.hook
def map_case(context, case):
    """Valid cases reach the write path: the world's skus and stations, times of the last hour
    (random ones are refused before any SQL runs), and every other field as generated."""
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE and WORLD:
        _ground(case.body)
    return case


def _ground(value) -> None:
    if isinstance(value, list):
        for item in value:
            _ground(item)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name == "sku" and isinstance(item, str):
                value[name] = WORLD["skus"][len(item) % len(WORLD["skus"])]
            elif name == "station_id" and isinstance(item, int):
                value[name] = WORLD["stations"][item % len(WORLD["stations"])]
            elif name in TIMES and isinstance(item, str):
                value[name] = (datetime.now(timezone.utc) - timedelta(minutes=len(item))).isoformat()
            else:
                _ground(item)


@pytest.fixture(params=KINDS)
def fuzz_kind(request) -> str:
    return request.param


@pytest.fixture
def fuzz_token(api, fuzz_kind) -> str:
    """A world to fuzz in (stations with stock, products, drivers with devices) and the kind's token."""
    world = build_world(api)
    WORLD.update(skus=[world.cola["sku"], world.chips["sku"]], stations=[world.station["id"], world.other_station["id"]])
    return {"admin": ADMIN_TOKEN, "station": world.station["api_key"], "driver": world.driver["api_key"],
            "device": world.device["api_key"]}[fuzz_kind]


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request):
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # shown with or without -s
        for kind, counts in COUNTS.items():
            if counts:
                statuses = ", ".join(f"{status}: {n}" for status, n in sorted(STATUSES[kind].items()))
                print(f"\nfuzz[{kind}]: {len(counts)} operations, {sum(counts.values())} cases ({statuses})")


def test_the_fuzzed_document_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT_APP.test_client().get(
        "/api/v1/openapi.json").get_json()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_document_under_fuzzing(case, app, fuzz_kind, fuzz_token, request):
    if "/payments" in case.operation.path or case.operation.path.endswith("/refund"):
        request.getfixturevalue("alipay")  # payments configured, against the Alipay stand-in (else a 503)
    COUNTS[fuzz_kind][case.operation.label] += 1
    response = case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"}, app=app)
    STATUSES[fuzz_kind][response.status_code] += 1
