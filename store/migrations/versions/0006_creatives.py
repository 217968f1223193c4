"""ad creatives: stored objects, creatives per ad, the creative an ad play names

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-02 05:00:00

``ad_plays.creative_id`` is nullable without a default: on the partitioned table
(and every month) that is a change of the catalogue only, no rewrite.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0008'  # the highest in main when this landed
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'creative_objects',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('bytes', sa.BigInteger(), nullable=False),
        sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_creative_objects')),
    )
    op.create_table(
        'creatives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ad_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('bytes', sa.BigInteger(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('thumbnail_sha256', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['ad_id'], ['ads.id'], name=op.f('fk_creatives_ad_id_ads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sha256'], ['creative_objects.sha256'],
                                name=op.f('fk_creatives_sha256_creative_objects')),
        sa.ForeignKeyConstraint(['thumbnail_sha256'], ['creative_objects.sha256'],
                                name=op.f('fk_creatives_thumbnail_sha256_creative_objects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_creatives')),
        sa.UniqueConstraint('ad_id', 'sha256', name='uq_creatives_ad_sha256'),
    )
    op.create_index('ix_creatives_sha256', 'creatives', ['sha256'], unique=False)
    op.create_index('ix_creatives_thumbnail_sha256', 'creatives', ['thumbnail_sha256'], unique=False)
    op.add_column('ad_plays', sa.Column('creative_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('ad_plays', 'creative_id')
    op.drop_index('ix_creatives_thumbnail_sha256', table_name='creatives')
    op.drop_index('ix_creatives_sha256', table_name='creatives')
    op.drop_table('creatives')
    op.drop_table('creative_objects')
