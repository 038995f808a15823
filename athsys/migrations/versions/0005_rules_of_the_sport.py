"""Rules of the sport: a result's qualification (Q/q) and its record flags (PB, SB, MR, NR, WR).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('result', sa.Column(
        'qualification',
        sa.Enum('Q', 'q', name='qualification', native_enum=False, create_constraint=True),
        nullable=True))
    op.add_column('result', sa.Column(
        'record_flags', postgresql.ARRAY(sa.String(length=2)),
        server_default=sa.text("'{}'::varchar[]"), nullable=False))
    op.create_check_constraint(
        op.f('ck_result_record_flags_known'), 'result',
        "record_flags <@ ARRAY['WR', 'NR', 'MR', 'PB', 'SB']::varchar[]")
    op.create_check_constraint(
        op.f('ck_result_qualified_is_ok'), 'result', "qualification IS NULL OR status = 'OK'")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_result_qualified_is_ok'), 'result', type_='check')
    op.drop_constraint(op.f('ck_result_record_flags_known'), 'result', type_='check')
    op.drop_column('result', 'record_flags')
    op.drop_column('result', 'qualification')
