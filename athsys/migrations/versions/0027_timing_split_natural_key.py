"""A split keyed by its heat, entry and timing point, without a surrogate id.

``timing_split`` had a ``bigserial`` id as its primary key and a unique constraint on
(heat_id, entry_id, timing_point_id), which is what names a split everywhere: processing
reads, compares, updates and deletes splits by those three (``athsys.timing.splits``), and
nothing refers to a split's id. Inserting a catch-up's splits therefore wrote two B-trees
and called the sequence once a split: 40,000 splits took 139 ms of database CPU into a copy
of the table with the id and 72 ms into one keyed by the three alone (psycopg2, the median
of six alternating rounds, ``docs/performance.md``). The id goes; the three become the
primary key in place of the unique constraint.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 02:10:00
"""

from __future__ import annotations

from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

KEY = ['heat_id', 'entry_id', 'timing_point_id']


def upgrade() -> None:
    op.drop_constraint('pk_timing_split', 'timing_split', type_='primary')
    op.drop_column('timing_split', 'id')
    op.drop_constraint('uq_timing_split_heat_id_entry_id_timing_point_id', 'timing_split',
                       type_='unique')
    op.create_primary_key('pk_timing_split', 'timing_split', KEY)


def downgrade() -> None:
    op.drop_constraint('pk_timing_split', 'timing_split', type_='primary')
    op.create_unique_constraint('uq_timing_split_heat_id_entry_id_timing_point_id',
                                'timing_split', KEY)
    op.execute("ALTER TABLE timing_split ADD COLUMN id bigserial NOT NULL")  # as 0003 made it
    op.create_primary_key('pk_timing_split', 'timing_split', ['id'])
