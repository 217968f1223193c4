"""Engine and transaction scope."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """A plain ``postgresql://`` URL gets the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10, **kwargs) -> Engine:
    """No ping on checkout (a round trip per request): a connection found dead is
    invalidated with the rest of the pool and that one request gets a 503 to retry."""
    options = dict(pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                   connect_args={"connect_timeout": 5, "application_name": "buyfree"})
    options.update(kwargs)
    return create_engine(normalize_url(url), **options)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case, one transaction: commit at the end, roll back on error."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
