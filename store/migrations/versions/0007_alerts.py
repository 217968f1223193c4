"""alerts, the outbox's published mark, devices' announced presence

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:00:00

- alerts: one row per alert; a unique partial index keeps one open alert per
  kind and subject, so concurrent evaluators open it once (INSERT ... ON CONFLICT DO NOTHING).
- outbox.published_at: the AMQP relay's mark, apart from the live apply's
  applied_at; a partial index holds only what is still to publish. Rows
  already in the outbox when this runs are history: they count as published
  (a stream starts with the events after it was set up).
- devices.announced_online: the presence last announced as an event.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'alerts',
        sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('severity', sa.String(length=10), nullable=False),
        sa.Column('subject_type', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.String(length=40), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    )
    op.create_index('uq_alerts_open', 'alerts', ['kind', 'subject_type', 'subject_id'], unique=True,
                    postgresql_where=sa.text('resolved_at IS NULL'))
    op.create_index('ix_alerts_station', 'alerts', ['station_id', 'id'], unique=False)
    op.add_column('outbox', sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox SET published_at = created_at")
    op.create_index('ix_outbox_unpublished', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text('published_at IS NULL'))
    op.add_column('devices', sa.Column('announced_online', sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column('devices', 'announced_online')
    op.drop_index('ix_outbox_unpublished', table_name='outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_column('outbox', 'published_at')
    op.drop_index('ix_alerts_station', table_name='alerts')
    op.drop_index('uq_alerts_open', table_name='alerts', postgresql_where=sa.text('resolved_at IS NULL'))
    op.drop_table('alerts')
