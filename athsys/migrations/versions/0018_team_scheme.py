"""A competition's team score scheme.

The meet director stores how teams score (points per place or cross-country, relays counted
or not, a cap of scorers per team per event) as JSON validated by
``athsys.leaderboards.team_scheme.parse_team_scheme`` before it is written.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 11:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('competition', sa.Column('team_scheme', postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column('competition', 'team_scheme')
