"""When an account's credentials last changed: tokens and sessions from before stop working.

A password change or reset and a sign-out set it (athsys.accounts.credentials); an access
token issued, or a browser session signed in, before that moment is refused.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user_profile', sa.Column('credentials_changed_at',
                                            sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('user_profile', 'credentials_changed_at')
