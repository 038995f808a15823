"""Every wearer of a chip found by index.

Processing a batch looks up all assignments of the chips it read, past ones included (a chip
given to another entry affects both). The unique index on (competition, chip) covers open
assignments only, so the look-up scanned every assignment of the competition: 2 to 3 ms a
batch in a 10,000-runner race, most of the fixed cost of a small batch.
``ix_chip_assignment_competition_id_chip`` covers them all.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_chip_assignment_competition_id_chip', 'chip_assignment',
                    ['competition_id', 'chip'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_chip_assignment_competition_id_chip', table_name='chip_assignment')
