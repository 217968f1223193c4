"""Storage: the Postgres engine and sessions, the Redis client, migrations.

``init_app`` creates the engine and clients (no connection is opened until
first use) and registers the teardown that closes the request's session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_sessionmaker, session_scope
from store.events import Committed
from store.redis import make_redis

__all__ = ["Store", "init_app", "get_store", "session_scope", "request_session"]


@dataclass
class Store:
    settings: Any
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Any
    # What lives as long as the process, built on first use by its owner (store sits below them all,
    # so the fields are untyped here; the owner module names the type):
    alipay: Any = None  # ingest.alipay.AlipayClient
    stream_hub: Any = None  # stream.hub.Hub
    stream_relay: Any = None  # stream.handoff.Relay
    outbox_marks: Any = None  # analytics.live.marks.Marks
    ads_playlist: Any = None  # analytics.queries.ads: (monotonic time, playlist)
    screen_scopes: Any = None  # dashboard.access: (who, tick) -> (monotonic time, scope), the wall's lookups
    analytics_paused_until: float = 0.0  # analytics.live.apply: live applies skipped until then (Redis failed)
    alert_follower: Any = None  # analytics.alerts.follow.Follower
    _objects: Any = None  # the object store of creatives, built on first use (store.objects)
    closing: list = field(default_factory=list)  # callbacks run first by ``close`` (e.g. pending writes)
    committed: Committed = field(default_factory=Committed)  # the one hand-off after a commit (store.events)

    @classmethod
    def from_settings(cls, settings) -> "Store":
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        return cls(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                   redis=make_redis(settings.redis_url))

    def transaction(self):
        """``with store.transaction() as session:`` — one use case, one commit."""
        return session_scope(self.sessions)

    @property
    def objects(self):
        if self._objects is None:
            from store.objects import make_object_store

            self._objects = make_object_store(self.settings)
        return self._objects

    @objects.setter
    def objects(self, value) -> None:
        self._objects = value

    def on_close(self, callback) -> None:
        self.closing.append(callback)

    def close(self) -> None:
        for callback in self.closing:
            callback()
        self.closing.clear()
        self.engine.dispose()
        try:
            self.redis.close()
        except Exception:
            pass


def init_app(app: Flask, settings) -> Store:
    store = Store.from_settings(settings)
    app.extensions["buyfree"] = store
    app.teardown_appcontext(_close_request_session)
    return store


def get_store(app: Flask | None = None) -> Store:
    return (app or current_app).extensions["buyfree"]


def request_session() -> Session:
    """A read-only session for this request (queries); closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_store().sessions()
    return g.db_session


def _close_request_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
