"""Alembic migrations, applied under a Postgres advisory lock."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from store.partitions import add_months, ensure_partitions

MIGRATIONS = Path(__file__).with_name("migrations")
LOCK_ID = 0x42_46_4D_49  # "BFMI": one id for every BuyFree instance


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head", today: date | None = None) -> None:
    """Bring the schema to ``revision``; two instances starting at once take turns."""
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
        try:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
            if revision == "head":
                today = today or datetime.now(timezone.utc).date()
                # Late events reach back a month; the scheduler keeps months ahead.
                ensure_partitions(conn, add_months(today, -1), add_months(today, 2))
                conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
            conn.commit()


def downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
