"""Leaner writes of processing.

* A read is processed when its batch is: ``timing_read.processed_at`` goes
  (``read_batch.processed_at`` says it); writing it updated every read of every batch.
* ``timing_split`` references its lane assignment (heat, entry) instead of the heat and the
  entry apart: one foreign-key check per split written instead of two, and the entry index,
  there for the entry's cascade only, goes (the unique (heat, entry, point) index serves the
  assignment's cascade).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column('timing_read', 'processed_at')
    # splits of entries no longer in their heat's start list meant nothing: they go
    op.execute(
        "DELETE FROM timing_split s WHERE NOT EXISTS (SELECT FROM lane_assignment la"
        " WHERE la.heat_id = s.heat_id AND la.entry_id = s.entry_id)"
    )
    op.drop_constraint(op.f('fk_timing_split_heat_id_heat'), 'timing_split', type_='foreignkey')
    op.drop_constraint(op.f('fk_timing_split_entry_id_entry'), 'timing_split',
                       type_='foreignkey')
    op.drop_index('ix_timing_split_entry_id', table_name='timing_split')
    op.create_foreign_key(
        op.f('fk_timing_split_heat_id_lane_assignment'), 'timing_split', 'lane_assignment',
        ['heat_id', 'entry_id'], ['heat_id', 'entry_id'], ondelete='CASCADE')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_timing_split_heat_id_lane_assignment'), 'timing_split',
                       type_='foreignkey')
    op.create_index('ix_timing_split_entry_id', 'timing_split', ['entry_id'], unique=False)
    op.create_foreign_key(op.f('fk_timing_split_entry_id_entry'), 'timing_split', 'entry',
                          ['entry_id'], ['id'], ondelete='CASCADE')
    op.create_foreign_key(op.f('fk_timing_split_heat_id_heat'), 'timing_split', 'heat',
                          ['heat_id'], ['id'], ondelete='CASCADE')
    op.add_column('timing_read', sa.Column('processed_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.execute(
        "UPDATE timing_read r SET processed_at = b.processed_at FROM read_batch b"
        " WHERE b.id = r.batch_id AND b.processed_at IS NOT NULL"
    )
