"""payments (Alipay), their mismatches, refunds and refund lines

Revision ID: 0005
Revises: 0007
Create Date: 2026-12-02 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0007'  # main's head when this landed
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('payments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('items', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('qr_code', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trade_no', sa.String(length=64), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purchase_id', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index('ix_payments_open', 'payments', ['created_at'], unique=False,
                    postgresql_where="status IN ('creating', 'pending')")
    op.create_index('ix_payments_purchase', 'payments', ['purchase_id'], unique=False,
                    postgresql_where='purchase_id IS NOT NULL')
    op.create_table('payment_mismatches',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('payment_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('trade_no', sa.String(length=64), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_mismatches')),
    sa.UniqueConstraint('payment_id', 'reason', 'trade_no', name='uq_payment_mismatches_once')
    )
    op.create_table('refunds',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('purchase_id', sa.String(length=32), nullable=False),
    sa.Column('purchase_occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    op.create_index('ix_refunds_purchase', 'refunds', ['purchase_id'], unique=False)
    op.create_table('refund_lines',
    sa.Column('refund_id', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('refund_id', 'product_id', name=op.f('pk_refund_lines'))
    )
    op.create_index('ix_refund_lines_occurred', 'refund_lines', ['occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_refund_lines_occurred', table_name='refund_lines')
    op.drop_table('refund_lines')
    op.drop_index('ix_refunds_purchase', table_name='refunds')
    op.drop_table('refunds')
    op.drop_table('payment_mismatches')
    op.drop_index('ix_payments_purchase', table_name='payments')
    op.drop_index('ix_payments_open', table_name='payments')
    op.drop_table('payments')
