"""Domain model: clubs, athletes, competitions, events, rounds, heats, entries, results,
attempts, timing, records, audit log and user profiles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:09:23.562980
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=128), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_at_desc', 'audit_log', [sa.literal_column('at DESC')], unique=False)
    op.create_index('ix_audit_log_entity_entity_id', 'audit_log', ['entity', 'entity_id'], unique=False)
    op.create_table('club',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('code = upper(code) AND length(code) >= 2', name=op.f('ck_club_code_upper')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_club')),
    sa.UniqueConstraint('code', name=op.f('uq_club_code')),
    sa.UniqueConstraint('name', name=op.f('uq_club_name'))
    )
    op.create_table('competition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('venue', sa.String(length=160), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'live', 'finished', 'official', name='competition_status', native_enum=False, create_constraint=True), server_default='draft', nullable=False),
    sa.Column('allow_self_registration', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_competition_dates_in_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition')),
    sa.UniqueConstraint('name', 'start_date', name=op.f('uq_competition_name_start_date'))
    )
    op.create_index('ix_competition_start_date_desc', 'competition', [sa.literal_column('start_date DESC')], unique=False)
    op.create_table('athlete',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('sex', sa.Enum('M', 'F', name='sex', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('club_id', sa.Integer(), nullable=True),
    sa.Column('licence', sa.String(length=32), nullable=True),
    sa.Column('nationality', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("birth_date IS NULL OR birth_date > DATE '1900-01-01'", name=op.f('ck_athlete_birth_date')),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_athlete_club_id_club'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_athlete')),
    sa.UniqueConstraint('licence', name=op.f('uq_athlete_licence'))
    )
    op.create_index('ix_athlete_club_id', 'athlete', ['club_id'], unique=False)
    op.create_index('ix_athlete_first_name_last_name', 'athlete', ['first_name', 'last_name'], unique=False)
    op.create_index('ix_athlete_last_name_first_name', 'athlete', ['last_name', 'first_name'], unique=False)
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('discipline_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.Enum('M', 'F', name='sex', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('age_category', sa.String(length=12), server_default='SEN', nullable=False),
    sa.Column('kind', sa.Enum('track', 'field', 'road', 'combined', name='event_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('lanes', sa.Integer(), server_default='8', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('lanes BETWEEN 4 AND 10', name=op.f('ck_event_lanes')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_event_competition_id_competition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('competition_id', 'discipline_code', 'sex', 'age_category', name=op.f('uq_event_competition_id_discipline_code_sex_age_category')),
    sa.UniqueConstraint('id', 'competition_id', name='uq_event_id_competition_id')
    )
    op.create_index('ix_event_competition_id', 'event', ['competition_id'], unique=False)
    op.create_table('timing_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('is_start', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_finish', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('distance_m >= 0', name=op.f('ck_timing_point_distance_not_negative')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_timing_point_competition_id_competition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timing_point')),
    sa.UniqueConstraint('competition_id', 'name', name=op.f('uq_timing_point_competition_id_name'))
    )
    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('athlete_id', sa.Integer(), nullable=False),
    sa.Column('bib', sa.String(length=12), nullable=False),
    sa.Column('seed_mark', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('entered', 'confirmed', 'checked_in', 'scratched', name='entry_status', native_enum=False, create_constraint=True), server_default='entered', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('seed_mark IS NULL OR seed_mark > 0', name=op.f('ck_entry_seed_mark_positive')),
    sa.ForeignKeyConstraint(['athlete_id'], ['athlete.id'], name=op.f('fk_entry_athlete_id_athlete'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['event_id', 'competition_id'], ['event.id', 'event.competition_id'], name='fk_entry_event_competition', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
    sa.UniqueConstraint('competition_id', 'bib', name='uq_entry_competition_id_bib'),
    sa.UniqueConstraint('event_id', 'athlete_id', name=op.f('uq_entry_event_id_athlete_id'))
    )
    op.create_index('ix_entry_athlete_id', 'entry', ['athlete_id'], unique=False)
    op.create_index('ix_entry_event_id', 'entry', ['event_id'], unique=False)
    op.create_table('record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Enum('WR', 'AR', 'NR', 'MR', 'PB', 'SB', name='record_scope', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('discipline_code', sa.String(length=12), nullable=False),
    sa.Column('sex', sa.Enum('M', 'F', name='sex', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('age_category', sa.String(length=12), server_default='SEN', nullable=False),
    sa.Column('region', sa.String(length=80), nullable=True),
    sa.Column('season', sa.Integer(), nullable=True),
    sa.Column('athlete_id', sa.Integer(), nullable=True),
    sa.Column('holder_name', sa.String(length=160), nullable=True),
    sa.Column('mark', sa.Integer(), nullable=False),
    sa.Column('set_on', sa.Date(), nullable=True),
    sa.Column('venue', sa.String(length=160), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("scope <> 'SB' OR season IS NOT NULL", name=op.f('ck_record_season_best_has_season')),
    sa.CheckConstraint("scope NOT IN ('PB', 'SB') OR athlete_id IS NOT NULL", name=op.f('ck_record_bests_have_athlete')),
    sa.CheckConstraint('mark > 0', name=op.f('ck_record_mark_positive')),
    sa.ForeignKeyConstraint(['athlete_id'], ['athlete.id'], name=op.f('fk_record_athlete_id_athlete'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record'))
    )
    op.create_index('ix_record_athlete_id', 'record', ['athlete_id'], unique=False)
    op.create_index('uq_record_holder', 'record', ['scope', 'discipline_code', 'sex', 'age_category', sa.literal_column("coalesce(region, '')"), sa.literal_column('coalesce(season, 0)'), sa.literal_column('coalesce(athlete_id, 0)')], unique=True)
    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('heat', 'qualification', 'semi', 'final', name='round_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ordinal', sa.Integer(), server_default='1', nullable=False),
    sa.Column('advance_by_place', sa.Integer(), server_default='0', nullable=False),
    sa.Column('advance_by_time', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ties_both_advance', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('advance_by_place >= 0 AND advance_by_time >= 0', name=op.f('ck_round_advancement')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_round_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('event_id', 'ordinal', name=op.f('uq_round_event_id_ordinal'))
    )
    op.create_table('timing_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('timing_point_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('chip_decoder', 'photo_finish', name='device_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('mat_role', sa.Enum('primary', 'backup', name='mat_role', native_enum=False, create_constraint=True), server_default='primary', nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=12), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_timing_device_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['timing_point_id'], ['timing_point.id'], name=op.f('fk_timing_device_timing_point_id_timing_point'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timing_device')),
    sa.UniqueConstraint('competition_id', 'name', name=op.f('uq_timing_device_competition_id_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_timing_device_token_hash'))
    )
    op.create_table('user_profile',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=True),
    sa.Column('athlete_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['athlete_id'], ['athlete.id'], name=op.f('fk_user_profile_athlete_id_athlete'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_user_profile_club_id_club'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_user_profile_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_profile')),
    sa.UniqueConstraint('athlete_id', name=op.f('uq_user_profile_athlete_id'))
    )
    op.create_table('chip_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('chip', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('valid_until IS NULL OR valid_until > valid_from', name=op.f('ck_chip_assignment_valid_range')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_chip_assignment_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_chip_assignment_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chip_assignment'))
    )
    op.create_index('ix_chip_assignment_entry_id', 'chip_assignment', ['entry_id'], unique=False)
    op.create_index('uq_chip_assignment_active_chip', 'chip_assignment', ['competition_id', 'chip'], unique=True, postgresql_where=sa.text('valid_until IS NULL'))
    op.create_table('heat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), server_default='1', nullable=False),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gun_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wind', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'started', 'finished', 'official', name='heat_status', native_enum=False, create_constraint=True), server_default='scheduled', nullable=False),
    sa.Column('draw_seed', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_heat_number_positive')),
    sa.CheckConstraint('wind IS NULL OR wind BETWEEN -300 AND 300', name=op.f('ck_heat_wind_range')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_heat_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_heat')),
    sa.UniqueConstraint('round_id', 'number', name=op.f('uq_heat_round_id_number'))
    )
    op.create_index('ix_heat_round_id', 'heat', ['round_id'], unique=False)
    op.create_index('ix_heat_scheduled_start_desc', 'heat', [sa.literal_column('scheduled_start DESC NULLS LAST')], unique=False)
    op.create_table('timing_read',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('read_id', sa.String(length=64), nullable=False),
    sa.Column('chip', sa.String(length=32), nullable=True),
    sa.Column('bib', sa.String(length=12), nullable=True),
    sa.Column('timing_point_id', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_gun', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=True),
    sa.Column('rssi', sa.Integer(), nullable=True),
    sa.Column('antenna', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('chip IS NOT NULL OR bib IS NOT NULL OR is_gun', name=op.f('ck_timing_read_identifies_someone')),
    sa.ForeignKeyConstraint(['device_id'], ['timing_device.id'], name=op.f('fk_timing_read_device_id_timing_device'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['timing_point_id'], ['timing_point.id'], name=op.f('fk_timing_read_timing_point_id_timing_point'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timing_read')),
    sa.UniqueConstraint('device_id', 'read_id', name=op.f('uq_timing_read_device_id_read_id'))
    )
    op.create_index('ix_timing_read_chip_read_at', 'timing_read', ['chip', 'read_at'], unique=False)
    op.create_index('ix_timing_read_unprocessed', 'timing_read', ['received_at'], unique=False, postgresql_where=sa.text('processed_at IS NULL'))
    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('heat_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('o', 'x', '-', 'r', 'm', name='attempt_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('mark', sa.Integer(), nullable=True),
    sa.Column('wind', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(outcome = 'm') = (mark IS NOT NULL)", name=op.f('ck_attempt_mark_iff_valid')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_attempt_sequence_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_attempt_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['heat_id'], ['heat.id'], name=op.f('fk_attempt_heat_id_heat'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt')),
    sa.UniqueConstraint('heat_id', 'entry_id', 'sequence', name=op.f('uq_attempt_heat_id_entry_id_sequence'))
    )
    op.create_index('ix_attempt_entry_id', 'attempt', ['entry_id'], unique=False)
    op.create_table('lane_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('heat_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('lane IS NULL OR lane BETWEEN 1 AND 10', name=op.f('ck_lane_assignment_lane_range')),
    sa.CheckConstraint('position >= 1', name=op.f('ck_lane_assignment_position_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_lane_assignment_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['heat_id'], ['heat.id'], name=op.f('fk_lane_assignment_heat_id_heat'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lane_assignment')),
    sa.UniqueConstraint('heat_id', 'entry_id', name=op.f('uq_lane_assignment_heat_id_entry_id')),
    sa.UniqueConstraint('heat_id', 'lane', name=op.f('uq_lane_assignment_heat_id_lane')),
    sa.UniqueConstraint('heat_id', 'position', name=op.f('uq_lane_assignment_heat_id_position'))
    )
    op.create_index('ix_lane_assignment_entry_id', 'lane_assignment', ['entry_id'], unique=False)
    op.create_table('result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('heat_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Integer(), nullable=True),
    sa.Column('net_mark', sa.Integer(), nullable=True),
    sa.Column('place', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('OK', 'DNS', 'DNF', 'DQ', 'NM', name='result_status', native_enum=False, create_constraint=True), server_default='OK', nullable=False),
    sa.Column('status_rule', sa.String(length=40), nullable=True),
    sa.Column('wind', sa.Integer(), nullable=True),
    sa.Column('reaction_time', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('manual', 'lif', 'chip', 'api', name='result_source', native_enum=False, create_constraint=True), server_default='manual', nullable=False),
    sa.Column('revision', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'OK' OR mark IS NOT NULL", name=op.f('ck_result_ok_has_mark')),
    sa.CheckConstraint('mark IS NULL OR mark >= 0', name=op.f('ck_result_mark_not_negative')),
    sa.CheckConstraint('place IS NULL OR place >= 1', name=op.f('ck_result_place_positive')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_result_revision_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_result_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['heat_id'], ['heat.id'], name=op.f('fk_result_heat_id_heat'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result')),
    sa.UniqueConstraint('heat_id', 'entry_id', name=op.f('uq_result_heat_id_entry_id'))
    )
    op.create_index('ix_result_entry_id', 'result', ['entry_id'], unique=False)
    op.create_index('ix_result_heat_id_place', 'result', ['heat_id', 'place'], unique=False)
    op.create_table('result_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Integer(), nullable=True),
    sa.Column('net_mark', sa.Integer(), nullable=True),
    sa.Column('place', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('OK', 'DNS', 'DNF', 'DQ', 'NM', name='result_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status_rule', sa.String(length=40), nullable=True),
    sa.Column('wind', sa.Integer(), nullable=True),
    sa.Column('reaction_time', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('manual', 'lif', 'chip', 'api', name='result_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_result_revision_result_id_result'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_revision')),
    sa.UniqueConstraint('result_id', 'revision', name=op.f('uq_result_revision_result_id_revision'))
    )


def downgrade() -> None:
    op.drop_table('result_revision')
    op.drop_index('ix_result_heat_id_place', table_name='result')
    op.drop_index('ix_result_entry_id', table_name='result')
    op.drop_table('result')
    op.drop_index('ix_lane_assignment_entry_id', table_name='lane_assignment')
    op.drop_table('lane_assignment')
    op.drop_index('ix_attempt_entry_id', table_name='attempt')
    op.drop_table('attempt')
    op.drop_index('ix_timing_read_unprocessed', table_name='timing_read', postgresql_where=sa.text('processed_at IS NULL'))
    op.drop_index('ix_timing_read_chip_read_at', table_name='timing_read')
    op.drop_table('timing_read')
    op.drop_index('ix_heat_scheduled_start_desc', table_name='heat')
    op.drop_index('ix_heat_round_id', table_name='heat')
    op.drop_table('heat')
    op.drop_index('uq_chip_assignment_active_chip', table_name='chip_assignment', postgresql_where=sa.text('valid_until IS NULL'))
    op.drop_index('ix_chip_assignment_entry_id', table_name='chip_assignment')
    op.drop_table('chip_assignment')
    op.drop_table('user_profile')
    op.drop_table('timing_device')
    op.drop_table('round')
    op.drop_index('uq_record_holder', table_name='record')
    op.drop_index('ix_record_athlete_id', table_name='record')
    op.drop_table('record')
    op.drop_index('ix_entry_event_id', table_name='entry')
    op.drop_index('ix_entry_athlete_id', table_name='entry')
    op.drop_table('entry')
    op.drop_table('timing_point')
    op.drop_index('ix_event_competition_id', table_name='event')
    op.drop_table('event')
    op.drop_index('ix_athlete_last_name_first_name', table_name='athlete')
    op.drop_index('ix_athlete_first_name_last_name', table_name='athlete')
    op.drop_index('ix_athlete_club_id', table_name='athlete')
    op.drop_table('athlete')
    op.drop_index('ix_competition_start_date_desc', table_name='competition')
    op.drop_table('competition')
    op.drop_table('club')
    op.drop_index('ix_audit_log_entity_entity_id', table_name='audit_log')
    op.drop_index('ix_audit_log_at_desc', table_name='audit_log')
    op.drop_table('audit_log')
