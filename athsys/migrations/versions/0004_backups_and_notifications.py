"""Backups (one row per pg_dump, with its SHA-256), notification subscriptions and the
notification outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:12:04.719619
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('running', 'succeeded', 'failed', name='backup_status', native_enum=False, create_constraint=True), server_default='running', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'failed' OR error IS NOT NULL", name=op.f('ck_backup_failed_has_error')),
    sa.CheckConstraint("status <> 'succeeded' OR (sha256 IS NOT NULL AND size IS NOT NULL)", name=op.f('ck_backup_succeeded_has_checksum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup'))
    )
    op.create_index('ix_backup_created_at_desc', 'backup', [sa.literal_column('created_at DESC')], unique=False)
    op.create_index('uq_backup_filename_succeeded', 'backup', ['filename'], unique=True, postgresql_where=sa.text("status = 'succeeded'"))
    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('email', 'webhook', name='notification_channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('webhook_url', sa.String(length=2048), nullable=True),
    sa.Column('webhook_secret', sa.String(length=128), nullable=True),
    sa.Column('athlete_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('competition_id', sa.Integer(), nullable=True),
    sa.Column('include_unofficial', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel <> 'email' OR email IS NOT NULL OR user_id IS NOT NULL", name=op.f('ck_subscription_email_has_address')),
    sa.CheckConstraint("channel <> 'webhook' OR (webhook_url IS NOT NULL AND webhook_secret IS NOT NULL)", name=op.f('ck_subscription_webhook_has_url_and_secret')),
    sa.CheckConstraint('num_nonnulls(athlete_id, event_id, competition_id) = 1', name=op.f('ck_subscription_one_subject')),
    sa.ForeignKeyConstraint(['athlete_id'], ['athlete.id'], name=op.f('fk_subscription_athlete_id_athlete'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_subscription_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_subscription_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_subscription_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription'))
    )
    op.create_index('ix_subscription_athlete_id', 'subscription', ['athlete_id'], unique=False, postgresql_where=sa.text('active'))
    op.create_index('ix_subscription_competition_id', 'subscription', ['competition_id'], unique=False, postgresql_where=sa.text('active'))
    op.create_index('ix_subscription_event_id', 'subscription', ['event_id'], unique=False, postgresql_where=sa.text('active'))
    op.create_index('ix_subscription_user_id', 'subscription', ['user_id'], unique=False)
    op.create_table('notification',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('result.official', 'result.unofficial', name='notification_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('dedup_key', sa.String(length=120), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', name='notification_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_notification_sent_has_time')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_notification_attempts_not_negative')),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_notification_result_id_result'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], name=op.f('fk_notification_subscription_id_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('subscription_id', 'dedup_key', name=op.f('uq_notification_subscription_id_dedup_key'))
    )
    op.create_index('ix_notification_due', 'notification', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notification_result_id', 'notification', ['result_id'], unique=False)
    op.create_index('ix_notification_status_created_at', 'notification', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notification_status_created_at', table_name='notification')
    op.drop_index('ix_notification_result_id', table_name='notification')
    op.drop_index('ix_notification_due', table_name='notification', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('notification')
    op.drop_index('ix_subscription_user_id', table_name='subscription')
    op.drop_index('ix_subscription_event_id', table_name='subscription', postgresql_where=sa.text('active'))
    op.drop_index('ix_subscription_competition_id', table_name='subscription', postgresql_where=sa.text('active'))
    op.drop_index('ix_subscription_athlete_id', table_name='subscription', postgresql_where=sa.text('active'))
    op.drop_table('subscription')
    op.drop_index('uq_backup_filename_succeeded', table_name='backup', postgresql_where=sa.text("status = 'succeeded'"))
    op.drop_index('ix_backup_created_at_desc', table_name='backup')
    op.drop_table('backup')
