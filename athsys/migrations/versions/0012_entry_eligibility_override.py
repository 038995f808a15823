"""An entry may carry the reason it was accepted outside its event's sex or age category.

Entries are now checked against the event (athsys.competitions.eligibility); a registrar may
enter an athlete anyway with a reason, kept here and in the audit trail.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('entry', sa.Column('eligibility_override', sa.String(length=200),
                                     nullable=True))


def downgrade() -> None:
    op.drop_column('entry', 'eligibility_override')
