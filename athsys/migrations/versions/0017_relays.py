"""Relays: a relay team is an entry of a club with a team name and no athlete; its declared
runners are ``relay_leg`` rows (leg 1..N, or none for a reserve), an athlete once per event.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column('entry', 'athlete_id', existing_type=sa.Integer(), nullable=True)
    op.add_column('entry', sa.Column('club_id', sa.Integer(), nullable=True))
    op.add_column('entry', sa.Column('team_name', sa.String(length=80), nullable=True))
    op.create_foreign_key(op.f('fk_entry_club_id_club'), 'entry', 'club', ['club_id'], ['id'],
                          ondelete='RESTRICT')
    op.create_index(op.f('ix_entry_club_id'), 'entry', ['club_id'])
    op.create_unique_constraint(op.f('uq_entry_event_id_team_name'), 'entry',
                                ['event_id', 'team_name'])
    op.create_unique_constraint('uq_entry_id_event_id', 'entry', ['id', 'event_id'])
    op.create_check_constraint(op.f('ck_entry_athlete_or_team'), 'entry',
                               '(athlete_id IS NULL) <> (team_name IS NULL)')
    op.create_check_constraint(op.f('ck_entry_team_has_club'), 'entry',
                               'team_name IS NULL OR club_id IS NOT NULL')
    op.create_check_constraint(op.f('ck_entry_team_name_not_blank'), 'entry',
                               'team_name IS NULL OR length(btrim(team_name)) > 0')
    op.create_table(
        'relay_leg',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('athlete_id', sa.Integer(), nullable=False),
        sa.Column('leg', sa.Integer(), nullable=True),
        sa.CheckConstraint('leg IS NULL OR leg BETWEEN 1 AND 10',
                           name=op.f('ck_relay_leg_leg_range')),
        sa.ForeignKeyConstraint(['athlete_id'], ['athlete.id'], ondelete='RESTRICT',
                                name=op.f('fk_relay_leg_athlete_id_athlete')),
        sa.ForeignKeyConstraint(['entry_id', 'event_id'], ['entry.id', 'entry.event_id'],
                                ondelete='CASCADE', name='fk_relay_leg_entry_event'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_relay_leg')),
        sa.UniqueConstraint('entry_id', 'leg', name=op.f('uq_relay_leg_entry_id_leg')),
        sa.UniqueConstraint('event_id', 'athlete_id', name=op.f('uq_relay_leg_event_id_athlete_id')),
    )
    op.create_index(op.f('ix_relay_leg_athlete_id'), 'relay_leg', ['athlete_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_relay_leg_athlete_id'), table_name='relay_leg')
    op.drop_table('relay_leg')
    op.execute("DELETE FROM entry WHERE athlete_id IS NULL")
    op.drop_constraint(op.f('ck_entry_team_name_not_blank'), 'entry', type_='check')
    op.drop_constraint(op.f('ck_entry_team_has_club'), 'entry', type_='check')
    op.drop_constraint(op.f('ck_entry_athlete_or_team'), 'entry', type_='check')
    op.drop_constraint('uq_entry_id_event_id', 'entry', type_='unique')
    op.drop_constraint(op.f('uq_entry_event_id_team_name'), 'entry', type_='unique')
    op.drop_index(op.f('ix_entry_club_id'), table_name='entry')
    op.drop_constraint(op.f('fk_entry_club_id_club'), 'entry', type_='foreignkey')
    op.drop_column('entry', 'team_name')
    op.drop_column('entry', 'club_id')
    op.alter_column('entry', 'athlete_id', existing_type=sa.Integer(), nullable=False)
