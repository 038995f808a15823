"""Hand timing is a property of a result and of a heat (issue 16).

``heat.hand_timed``: the heat is timed by hand, so the times typed in it are hand times
unless the official says otherwise. ``result.hand_timed``: this time was taken by hand; it
is published to the 1/10 s rounded up, never makes a record, and a best it sets is shown as
a hand time. The revision keeps the flag as it was, and ``record.hand_timed`` says a
personal or season best is a hand time ("10.4h").

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_TABLES = ('result', 'heat', 'result_revision', 'record')


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column('hand_timed', sa.Boolean(), nullable=False,
                                       server_default=sa.text('false')))
    # photo finish and chips are fully automatic: no such result is ever a hand time
    op.create_check_constraint(op.f('ck_result_machine_not_hand'), 'result',
                               "NOT hand_timed OR source NOT IN ('lif', 'chip')")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_result_machine_not_hand'), 'result', type_='check')
    for table in reversed(_TABLES):
        op.drop_column(table, 'hand_timed')
