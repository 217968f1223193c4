"""orders: units, the lines' quantities summed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:00:00

The rebuild reads a station's and a driver's order figures from the orders
(a third as many rows as the lines); an order carries its units as it carries
its total. Existing orders are filled from their lines.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('units', sa.Integer(), nullable=True))
    op.execute("""
UPDATE orders o SET units = l.units
FROM (SELECT order_id, created_at, sum(quantity) AS units FROM order_lines GROUP BY 1, 2) l
WHERE o.id = l.order_id AND o.created_at = l.created_at""")
    op.execute("UPDATE orders SET units = 0 WHERE units IS NULL")  # an order without lines (none are written)
    op.alter_column('orders', 'units', nullable=False)


def downgrade() -> None:
    op.drop_column('orders', 'units')
