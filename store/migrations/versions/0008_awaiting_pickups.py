"""orders awaiting pickup in a table of their own, kept by a trigger on orders

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01 05:00:00

The wall's map (drivers with orders awaiting pickup) read ``orders``: one
partial-index probe per monthly partition, planned over every partition, so
its cost grew with the months of history (bench/queries.py at 10M lines:
2.2 ms of Postgres CPU per refresh on 18 partitions, for 774 awaiting orders).
``awaiting_pickups`` holds one row per order while it awaits pickup: reading
it costs what the map shows. A trigger keeps it, in the transaction that
writes the order, so every writer of ``orders`` (today's use cases and any
later one) keeps it right and nothing needs rebuilding or reconciling.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEEP = """
CREATE FUNCTION keep_awaiting_pickups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'awaiting_pickup' THEN
    DELETE FROM awaiting_pickups WHERE order_id = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'awaiting_pickup' THEN
    INSERT INTO awaiting_pickups (order_id, created_at, station_id, driver_id)
    VALUES (NEW.id, NEW.created_at, NEW.station_id, NEW.driver_id)
    ON CONFLICT (order_id) DO UPDATE SET created_at = excluded.created_at, station_id = excluded.station_id,
                                         driver_id = excluded.driver_id;
  END IF;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        'awaiting_pickups',
        sa.Column('order_id', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('driver_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('order_id'),
    )
    op.execute("INSERT INTO awaiting_pickups (order_id, created_at, station_id, driver_id) "
               "SELECT id, created_at, station_id, driver_id FROM orders WHERE status = 'awaiting_pickup'")
    op.execute(KEEP)
    # On the partitioned parent: Postgres clones it onto every partition, present and future.
    op.execute("CREATE TRIGGER orders_keep_awaiting_pickups AFTER INSERT OR DELETE OR UPDATE OF status ON orders "
               "FOR EACH ROW EXECUTE FUNCTION keep_awaiting_pickups()")


def downgrade() -> None:
    op.execute("DROP TRIGGER orders_keep_awaiting_pickups ON orders")
    op.execute("DROP FUNCTION keep_awaiting_pickups()")
    op.drop_table('awaiting_pickups')
