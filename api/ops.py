"""Operations: liveness, readiness, the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from store import get_store

bp = Blueprint("ops", __name__)

READY_EXTRAS = "buyfree_ready"  # app.extensions[READY_EXTRAS]: name -> callable(store), merged into /readyz


def add_ready(app: Flask, name: str, read) -> None:
    """A reading of /readyz (packages add the outbox backlog, jobs, ... in their init_app)."""
    app.extensions.setdefault(READY_EXTRAS, {})[name] = read


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    store = get_store()
    postgres = redis = "ok"
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        postgres = "down"
    try:
        store.redis.ping()
    except Exception:
        redis = "down"
    body = {"status": "ok" if postgres == redis == "ok" else "degraded", "postgres": postgres, "redis": redis}
    if postgres == "ok":
        for name, read in current_app.extensions.get(READY_EXTRAS, {}).items():
            try:
                body[name] = read(store)
            except Exception:
                body[name] = None
    # Only Postgres failing makes the instance unready: Redis down never stops ingest.
    return jsonify(body), 503 if postgres == "down" else 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
