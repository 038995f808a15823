"""Batches processed together when a worker catches up.

``read_batch.processed_with`` names the batch whose processing took this one along (its
reads shared that batch's transaction, and its ``results_changed`` stays 0: the count is on
the batch named). NULL for a batch processed by its own task.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('read_batch', sa.Column('processed_with', sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f('fk_read_batch_processed_with_read_batch'), 'read_batch',
                          'read_batch', ['processed_with'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_read_batch_processed_with_read_batch'), 'read_batch',
                       type_='foreignkey')
    op.drop_column('read_batch', 'processed_with')
