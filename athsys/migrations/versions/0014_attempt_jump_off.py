"""An attempt may be a jump-off attempt for first place in a high jump or pole vault.

Jump-off attempts (athsys.results.jump_off) follow the athlete's regular series in the same
numbering, but never count as the athlete's mark.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('attempt', sa.Column('jump_off', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('attempt', 'jump_off')
