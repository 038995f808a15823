"""Marks' conditions, championship records and entry standards.

A competition says whether it is held indoors, its venue's altitude and the championship it
is an edition of (its records are CR); an event may set an entry standard, and an entry that
misses it carries the reason it was waived.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('competition', sa.Column('indoor', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))
    op.add_column('competition', sa.Column('altitude_m', sa.Integer(), nullable=True))
    op.add_column('competition', sa.Column('championship', sa.String(length=120),
                                           nullable=True))
    op.create_check_constraint(op.f('ck_competition_altitude_m'), 'competition',
                               'altitude_m BETWEEN -500 AND 5000')
    op.add_column('event', sa.Column('entry_standard', sa.Integer(), nullable=True))
    op.create_check_constraint(op.f('ck_event_entry_standard_positive'), 'event',
                               'entry_standard IS NULL OR entry_standard > 0')
    op.add_column('entry', sa.Column('standard_waiver', sa.String(length=200), nullable=True))
    _known(scopes="'WR', 'AR', 'NR', 'MR', 'CR', 'PB', 'SB'", flags="'WR', 'NR', 'MR', 'CR', 'PB', 'SB'")


def _known(*, scopes: str, flags: str) -> None:
    """The record scopes and result flags the CHECK constraints allow."""
    op.drop_constraint(op.f('ck_record_record_scope'), 'record', type_='check')
    op.create_check_constraint(op.f('ck_record_record_scope'), 'record', f"scope IN ({scopes})")
    op.drop_constraint(op.f('ck_result_record_flags_known'), 'result', type_='check')
    op.create_check_constraint(op.f('ck_result_record_flags_known'), 'result',
                               f"record_flags <@ ARRAY[{flags}]::varchar[]")


def downgrade() -> None:
    op.execute("DELETE FROM record WHERE scope = 'CR'")
    op.execute("UPDATE result SET record_flags = array_remove(record_flags, 'CR')")
    _known(scopes="'WR', 'AR', 'NR', 'MR', 'PB', 'SB'", flags="'WR', 'NR', 'MR', 'PB', 'SB'")
    op.drop_column('entry', 'standard_waiver')
    op.drop_constraint(op.f('ck_event_entry_standard_positive'), 'event', type_='check')
    op.drop_column('event', 'entry_standard')
    op.drop_constraint(op.f('ck_competition_altitude_m'), 'competition', type_='check')
    op.drop_column('competition', 'championship')
    op.drop_column('competition', 'altitude_m')
    op.drop_column('competition', 'indoor')
