"""Timing ingestion: read batches (claim-then-enqueue, sweeper), LIF imports (exactly once per
content and path), splits per timing point, and the batch and flag of each raw read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:11:57.406413
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('read_batch',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('status', sa.Enum('pending', 'processing', 'done', 'failed', name='batch_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('read_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('duplicate', sa.Integer(), server_default='0', nullable=False),
    sa.Column('results_changed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.CheckConstraint('accepted >= 0 AND duplicate >= 0 AND accepted + duplicate = read_count', name=op.f('ck_read_batch_counts')),
    sa.ForeignKeyConstraint(['device_id'], ['timing_device.id'], name=op.f('fk_read_batch_device_id_timing_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_read_batch')),
    sa.UniqueConstraint('device_id', 'payload_sha256', name=op.f('uq_read_batch_device_id_payload_sha256'))
    )
    op.create_index('ix_read_batch_unfinished', 'read_batch', ['received_at'], unique=False, postgresql_where=sa.text("status IN ('pending', 'processing')"))
    op.create_table('lif_import',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('heat_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('results_changed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('imported_by', sa.String(length=128), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_lif_import_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['heat_id'], ['heat.id'], name=op.f('fk_lif_import_heat_id_heat'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lif_import')),
    sa.UniqueConstraint('competition_id', 'path', 'content_sha256', name=op.f('uq_lif_import_competition_id_path_content_sha256'))
    )
    op.create_table('timing_split',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('heat_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('timing_point_id', sa.Integer(), nullable=False),
    sa.Column('gun_time_ms', sa.Integer(), nullable=True),
    sa.Column('net_time_ms', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_timing_split_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['heat_id'], ['heat.id'], name=op.f('fk_timing_split_heat_id_heat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['timing_point_id'], ['timing_point.id'], name=op.f('fk_timing_split_timing_point_id_timing_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timing_split')),
    sa.UniqueConstraint('heat_id', 'entry_id', 'timing_point_id', name=op.f('uq_timing_split_heat_id_entry_id_timing_point_id'))
    )
    op.create_index('ix_timing_split_entry_id', 'timing_split', ['entry_id'], unique=False)
    op.add_column('timing_read', sa.Column('batch_id', sa.BigInteger(), nullable=True))
    op.add_column('timing_read', sa.Column('flag', sa.Enum('unknown_chip', 'no_heat', 'after_official', 'unmatched_gun', name='read_flag', native_enum=False, create_constraint=True), nullable=True))
    op.create_index('ix_timing_read_batch_id', 'timing_read', ['batch_id'], unique=False)
    op.create_index('ix_timing_read_flag', 'timing_read', ['flag'], unique=False, postgresql_where=sa.text('flag IS NOT NULL'))
    op.create_foreign_key(op.f('fk_timing_read_batch_id_read_batch'), 'timing_read', 'read_batch', ['batch_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_timing_read_batch_id_read_batch'), 'timing_read', type_='foreignkey')
    op.drop_index('ix_timing_read_flag', table_name='timing_read', postgresql_where=sa.text('flag IS NOT NULL'))
    op.drop_index('ix_timing_read_batch_id', table_name='timing_read')
    op.drop_column('timing_read', 'flag')
    op.drop_column('timing_read', 'batch_id')
    op.drop_index('ix_timing_split_entry_id', table_name='timing_split')
    op.drop_table('timing_split')
    op.drop_table('lif_import')
    op.drop_index('ix_read_batch_unfinished', table_name='read_batch', postgresql_where=sa.text("status IN ('pending', 'processing')"))
    op.drop_table('read_batch')
