"""Timing read indexes for ingestion speed: drop the partial index on unprocessed reads (no
query uses it; every read entered it on insert and left it on processing), index bib-only
reads (the recompute looks them up by bib).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_timing_read_unprocessed', table_name='timing_read', postgresql_where=sa.text('processed_at IS NULL'))
    op.create_index('ix_timing_read_bib_only', 'timing_read', ['bib'], unique=False, postgresql_where=sa.text('chip IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_timing_read_bib_only', table_name='timing_read', postgresql_where=sa.text('chip IS NULL'))
    op.create_index('ix_timing_read_unprocessed', 'timing_read', ['received_at'], unique=False, postgresql_where=sa.text('processed_at IS NULL'))
