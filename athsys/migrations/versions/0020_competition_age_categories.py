"""A competition's age-category table.

A meet places its athletes in the categories of World Athletics (the default) or of a
federation whose table AthSys ships (``uka``: UK Athletics Rule 107); the value names a
table in ``athsys/sport/data`` and is checked by the application when it is set.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('competition', sa.Column('age_categories', sa.String(length=16),
                                           nullable=False, server_default='wa'))


def downgrade() -> None:
    op.drop_column('competition', 'age_categories')
